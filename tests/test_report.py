"""The anonymised registration and the periodic report: content, suppression, retention, the sample in docs/."""

import asyncio
import csv
import io
import time
from datetime import datetime, timezone

import pytest
from sqlalchemy import text

from handoff.advisers import Advisers
from handoff.case_queue import CaseQueue, Report
from handoff.report import add_sample_registrations, months_between, overview, to_csv
from handoff.report_render import render_page
from handoff.suppression import TOTAL
from tests.conftest import ROOT

PASSPHRASE = "correct horse battery staple"
SAMPLE = ROOT / "docs" / "sample-report"


def march(day=10):
    return lambda: datetime(2026, 3, day, 12, 0, tzinfo=timezone.utc)


def make_cases(sessions, count, behaviour="pesten", referral="ivp", canary="kanarie"):
    queue = CaseQueue(sessions, now=march())
    anna = Advisers(sessions).unlock("anna", PASSPHRASE)
    for number in range(count):
        case_id, _ = queue.enqueue(Report("rocmn", "meldplicht" if number == 0 else "", behaviour, {
            "summary": f"{canary}-{number}", "role": "student",
            "flags": {"minor": True, "staff_perpetrator": True, "meldplicht": number == 0, "meldcode": False,
                      "acute": False}}))
        queue.close(anna, case_id, referral)


@pytest.fixture
def registered(queue_db):
    _, sessions = queue_db
    Advisers(sessions).add("anna", "Anna", PASSPHRASE, ["rocmn"])
    return sessions


def test_one_row_at_handoff_and_one_at_close_with_no_text_or_link(registered):
    make_cases(registered, 2, canary="kanarie-registratie")
    with registered() as session:
        rows = session.execute(text("SELECT * FROM registrations")).mappings().all()
    assert sorted(r["event"] for r in rows) == ["close", "close", "handoff", "handoff"]
    assert {r["month"] for r in rows} == {"2026-03"}
    assert set(rows[0].keys()) == {"id", "event", "month", "location", "behaviour_type", "role", "minor", "flags",
                                   "referral"}
    dumped = repr(rows)
    assert "kanarie" not in dumped
    with registered() as session:
        case_ids = [c for (c,) in session.execute(text("SELECT id FROM cases"))]
    assert not any(case_id in dumped for case_id in case_ids)


def test_counts_per_type_role_referral_and_month(registered):
    make_cases(registered, 6, "pesten", "ivp")
    make_cases(registered, 5, "discriminatie", "police")
    report = {s.key: s.table for s in overview(registered, "2026-01", "2026-06").sections}
    assert report["type"].shown("pesten", "2026-03") == 6 and report["type"].shown("discriminatie", TOTAL) == 5
    assert report["type"].shown(TOTAL, "2026-03") == 11 and report["type"].shown(TOTAL, "2026-01") == 0
    assert report["role"].shown("student", TOTAL) == 11 and report["location"].shown("rocmn", TOTAL) == 11
    assert report["referral"].shown("ivp", TOTAL) == 6 and report["referral"].shown("police", TOTAL) == 5
    flags = report["flags"]  # meldplicht (2) is hidden, and one 11 with it: the column total would give it away
    assert flags.shown("meldplicht", TOTAL) is None
    assert sorted([flags.shown("minderjarig", TOTAL), flags.shown("staff_perpetrator", TOTAL)], key=str) == [11, None]


def test_a_small_count_and_its_complement_are_hidden(registered):
    make_cases(registered, 6, "pesten")
    make_cases(registered, 2, "stalking")
    types = overview(registered, "2026-03", "2026-03").sections[0].table
    assert types.shown("stalking", "2026-03") is None  # 2 < 5
    assert types.shown("pesten", "2026-03") is None  # else 8 - 6 gives the 2 back
    assert types.shown(TOTAL, TOTAL) == 8


def test_the_differencing_attack_on_a_suppressed_cell_fails(registered):
    """Stalking (2) is hidden; 'total minus the shown cells' must not give it back, in any row or column."""
    make_cases(registered, 6, "pesten")
    make_cases(registered, 2, "stalking")
    report = overview(registered, "2026-03", "2026-03")
    for section in report.sections:
        table = section.table
        for line in table.lines():
            values = [table.shown(*cell) for cell in line]
            assert values.count(None) != 1, (section.key, line, values)
    cells = list(csv.reader(io.StringIO(to_csv(report))))
    stalking = [row for row in cells if row[:2] == ["type", "stalking"]]
    assert stalking and all(row[3] == "<5" for row in stalking)
    pesten_total = [row for row in cells if row[:3] == ["type", "pesten", "totaal"]][0][3]
    grand_total = [row for row in cells if row[:3] == ["type", "totaal", "totaal"]][0][3]
    assert "<5" in (pesten_total, grand_total)  # so grand total - pesten cannot be computed


def test_retention_clean_up_with_a_moved_clock_leaves_registrations_and_report_unchanged(registered, tmp_path,
                                                                                          monkeypatch):
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.tracker_store import keyring
    from bot.tracker_store.encrypted import EncryptedSQLTrackerStore

    make_cases(registered, 7)
    before = to_csv(overview(registered, "2026-01", "2026-12"))
    monkeypatch.setenv(keyring.KEYS_ENV, keyring.new_key_line())
    domain = Domain.load(str(ROOT / "domain.yml"))
    store = EncryptedSQLTrackerStore(domain=domain, db=str(tmp_path / "trackers.sqlite"))
    tracker = DialogueStateTracker("conv-1", domain.slots)
    tracker.update(UserUttered("kanarie-retentie", {"name": "pesten", "confidence": 1.0}, timestamp=time.time()))
    asyncio.run(store.save(tracker))
    assert store.delete_expired(7 * 86400, now=time.time() + 8 * 86400) == 1
    assert asyncio.run(store.retrieve("conv-1")) is None
    assert to_csv(overview(registered, "2026-01", "2026-12")) == before
    store.engine.dispose()


def test_the_sample_report_in_docs_is_current(tmp_path):
    from handoff.db import make_engine, migrate, session_factory

    engine = make_engine(f"sqlite:///{tmp_path / 'sample.sqlite'}")
    migrate(engine)
    sessions = session_factory(engine)
    add_sample_registrations(sessions, months_between("2026-01", "2026-10"))
    report = overview(sessions, "2026-01", "2026-10")
    assert (SAMPLE / "report.html").read_text(encoding="utf-8") == render_page(report)
    assert (SAMPLE / "report.csv").read_text(encoding="utf-8") == to_csv(report)


@pytest.mark.slow
def test_the_sample_report_in_a_real_browser():
    from tests.test_browser import ARTIFACTS, chromium

    browser = chromium("report-profile", "1100,1400")
    try:
        browser.get((SAMPLE / "report.html").as_uri())
        assert browser.find_element("tag name", "h1").text.startswith("Overzicht meldingen 2026-01")
        charts = browser.find_elements("css selector", "svg")
        assert len(charts) == 6 and all(chart.size["height"] > 50 for chart in charts)
        bars = browser.find_elements("css selector", "svg.bars rect")
        assert len([bar for bar in bars if bar.size["width"] > 0]) > 10
        hidden = browser.find_elements("css selector", "td.suppressed")
        assert hidden and all(cell.text == "<5" for cell in hidden)
        assert browser.execute_script("return document.querySelectorAll('script').length") == 0
        ARTIFACTS.mkdir(exist_ok=True)
        browser.save_screenshot(str(ARTIFACTS / "sample-report.png"))
    finally:
        browser.quit()


@pytest.mark.parametrize("last", ["٢٠٢٦-٠١", "2026-1", "2026-13", "２０２６-０１", "20260-01", ""])
def test_a_month_in_another_shape_is_refused_not_looped_over(last):
    with pytest.raises(ValueError, match="YYYY-MM"):
        months_between("2026-01", last)


def test_months_run_across_years_and_up_to_the_last_possible_one():
    assert months_between("2026-11", "2027-02") == ["2026-11", "2026-12", "2027-01", "2027-02"]
    assert months_between("9999-11", "9999-12") == ["9999-11", "9999-12"]
    with pytest.raises(ValueError, match="comes after"):
        months_between("2027-01", "2026-12")
