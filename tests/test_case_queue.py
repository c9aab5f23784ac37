"""The encrypted case queue, on SQLite and PostgreSQL: who can read a case, and what breaks it."""

from datetime import datetime, timezone

import pytest
from sqlalchemy import select, text, update

from handoff import case_code, case_queue
from handoff.adviser_keys import totp_code
from handoff.advisers import Advisers, LoginFailed
from handoff.case_crypto import DecryptionError
from handoff.case_queue import CaseNotFound, CaseQueue, NoAdviser, Report
from handoff.models import AuditEvent, CaseItem, CaseKey

PASSPHRASE = "correct horse battery staple"


def report(summary="Een docent stuurt berichten", location="rocmn", urgency="", behaviour="seksuele_intimidatie"):
    return Report(location=location, urgency=urgency, behaviour_type=behaviour,
                  content={"summary": summary, "transcript": [], "flags": {}, "reasons": []})


@pytest.fixture
def setup(queue_db):
    _, sessions = queue_db
    advisers, queue = Advisers(sessions), CaseQueue(sessions)
    advisers.add("anna", "Anna (COG)", PASSPHRASE, ["rocmn"])
    return advisers, queue, sessions


def test_round_trip_for_the_adviser_of_the_location(setup):
    advisers, queue, _ = setup
    case_id, code = queue.enqueue(report("kanarie-7731"))
    anna = advisers.unlock("anna", PASSPHRASE)
    view = queue.open_case(anna, case_id)
    assert view.report["summary"] == "kanarie-7731"
    assert view.case.behaviour_type == "seksuele_intimidatie"
    assert case_code.normalise(code) == code


def test_login_needs_passphrase_and_current_totp(setup):
    advisers, _, sessions = setup
    from handoff.adviser_keys import unwrap_secrets
    from handoff.advisers import _secrets
    from handoff.models import Adviser

    with sessions() as session:
        row = session.scalar(select(Adviser).where(Adviser.login == "anna"))
    seed = unwrap_secrets("anna", PASSPHRASE, _secrets(row))[1]
    now = datetime.now(timezone.utc).timestamp()
    assert advisers.unlock("anna", PASSPHRASE, totp_code(seed, now), at=now).login == "anna"
    with pytest.raises(LoginFailed):
        advisers.unlock("anna", PASSPHRASE, totp_code(seed, now - 3600), at=now)
    with pytest.raises(LoginFailed):
        advisers.unlock("anna", "wrong passphrase here", totp_code(seed, now), at=now)


def test_an_adviser_of_another_location_cannot_read(setup):
    advisers, queue, sessions = setup
    advisers.add("bram", "Bram (WUR)", PASSPHRASE, ["wur"])
    case_id, _ = queue.enqueue(report())
    bram = advisers.unlock("bram", PASSPHRASE)
    with pytest.raises(CaseNotFound):
        queue.open_case(bram, case_id)
    assert queue.queue_for(bram) == []
    # Even given Anna's sealed copy of the case key, Bram's key does not open it.
    with sessions() as session:
        sealed = session.scalar(select(CaseKey).where(CaseKey.case_id == case_id))
        sealed.adviser_id = None  # detach: only the bytes matter here
    from handoff.case_crypto import open_sealed

    with pytest.raises(DecryptionError):
        open_sealed(sealed.sealed_key, bram.suite, bram.private_key, case_queue.case_key_binding(case_id, bram.id))


def test_a_disabled_adviser_cannot_log_in_or_read_with_a_kept_key(setup):
    advisers, queue, _ = setup
    case_id, _ = queue.enqueue(report())
    anna = advisers.unlock("anna", PASSPHRASE)
    advisers.disable("anna")
    with pytest.raises(LoginFailed):
        advisers.unlock("anna", PASSPHRASE)
    with pytest.raises(CaseNotFound):
        queue.open_case(anna, case_id)  # her sealed case keys were deleted


def test_nothing_the_server_holds_opens_a_case(setup, monkeypatch, queue_url):
    advisers, queue, sessions = setup
    made = []
    real = case_queue.generate_keypair
    monkeypatch.setattr(case_queue, "generate_keypair", lambda suite: made.append(real(suite)) or made[-1])
    case_id, _ = queue.enqueue(report("kanarie-server"))
    case_private = made[0].private
    with sessions() as session:
        item = session.scalar(select(CaseItem).where(CaseItem.case_id == case_id))
        stored = [value for table in ("advisers", "adviser_locations", "cases", "case_keys", "case_items")
                  for row in session.execute(text(f"SELECT * FROM {table}")) for value in row]
    blobs = [bytes(v) if isinstance(v, (bytes, memoryview)) else str(v).encode() for v in stored if v is not None]
    assert not any(case_private in blob for blob in blobs)
    from handoff.case_crypto import PRIVATE_KEY_BYTES, open_sealed

    size = PRIVATE_KEY_BYTES[item_suite(sessions, case_id)]
    candidates = [blob[i:i + size] for blob in blobs for i in range(0, max(len(blob) - size + 1, 1), 16)]
    bound = case_queue._item_binding(case_id, item.id, item.seq, "case")
    for candidate in candidates:
        if len(candidate) == size:
            with pytest.raises(DecryptionError):
                open_sealed(item.sealed_for_case, item_suite(sessions, case_id), candidate, bound)
    if queue_url.startswith("sqlite"):
        raw = b"".join(p.read_bytes() for p in _sqlite_files(queue_url))
        assert b"kanarie-server" not in raw and case_private not in raw


def item_suite(sessions, case_id):
    from handoff.models import Case

    with sessions() as session:
        return session.get(Case, case_id).suite


def _sqlite_files(url):
    from pathlib import Path

    path = Path(url[len("sqlite:///"):])
    return [p for p in path.parent.glob(path.name + "*")]


def test_a_flipped_byte_or_a_swapped_row_does_not_open(setup):
    advisers, queue, sessions = setup
    first, _ = queue.enqueue(report("first"))
    second, _ = queue.enqueue(report("second"))
    anna = advisers.unlock("anna", PASSPHRASE)
    with sessions() as session, session.begin():
        item = session.scalar(select(CaseItem).where(CaseItem.case_id == first))
        original = item.sealed_for_case
        flipped = bytearray(original)
        flipped[len(flipped) // 2] ^= 0x01
        item.sealed_for_case = bytes(flipped)
    with pytest.raises(DecryptionError):
        queue.open_case(anna, first, audit=False)
    with sessions() as session, session.begin():
        mine = session.scalar(select(CaseItem).where(CaseItem.case_id == first))
        theirs = session.scalar(select(CaseItem).where(CaseItem.case_id == second))
        mine.sealed_for_case = theirs.sealed_for_case  # another case's report, moved into this row
    with pytest.raises(DecryptionError):
        queue.open_case(anna, first, audit=False)
    with sessions() as session, session.begin():
        session.execute(update(CaseKey).where(CaseKey.case_id == first).values(
            sealed_key=session.scalar(select(CaseKey.sealed_key).where(CaseKey.case_id == second))))
    with pytest.raises(DecryptionError):
        queue.open_case(anna, first, audit=False)


def test_reordering_messages_is_detected(setup):
    advisers, queue, sessions = setup
    case_id, code = queue.enqueue(report())
    queue.reporter_reply(code, "een")
    queue.reporter_reply(code, "twee")
    with sessions() as session, session.begin():
        rows = session.execute(select(CaseItem.id, CaseItem.seq).where(CaseItem.case_id == case_id)
                               .order_by(CaseItem.seq)).all()
        (first_id, first_seq), (second_id, second_seq) = rows[1], rows[2]
        session.execute(update(CaseItem).where(CaseItem.id == first_id).values(seq=99))
        session.execute(update(CaseItem).where(CaseItem.id == second_id).values(seq=first_seq))
        session.execute(update(CaseItem).where(CaseItem.id == first_id).values(seq=second_seq))
    with pytest.raises(DecryptionError):
        queue.open_case(advisers.unlock("anna", PASSPHRASE), case_id, audit=False)


def test_key_rotation_reseals_every_open_case(setup):
    advisers, queue, _ = setup
    case_ids = [queue.enqueue(report(f"case {n}"))[0] for n in range(3)]
    old = advisers.unlock("anna", PASSPHRASE)
    assert advisers.rotate_key("anna", PASSPHRASE, "a brand new passphrase") == 3
    with pytest.raises(LoginFailed):
        advisers.unlock("anna", PASSPHRASE)
    new = advisers.unlock("anna", "a brand new passphrase")
    assert new.private_key != old.private_key
    for n, case_id in enumerate(case_ids):
        assert queue.open_case(new, case_id).report["summary"] == f"case {n}"
        with pytest.raises(DecryptionError):
            queue.open_case(old, case_id)


def test_a_new_adviser_reads_open_cases_only_when_a_reader_grants_them(setup):
    advisers, queue, _ = setup
    case_id, _ = queue.enqueue(report("before Carla"))
    advisers.add("carla", "Carla (VP)", PASSPHRASE, ["rocmn"])
    carla = advisers.unlock("carla", PASSPHRASE)
    assert advisers.unreadable_open_cases("carla") == 1
    with pytest.raises(CaseNotFound):
        queue.open_case(carla, case_id)
    assert advisers.grant("carla", "rocmn", by=advisers.unlock("anna", PASSPHRASE)) == 1
    assert queue.open_case(carla, case_id).report["summary"] == "before Carla"
    later, _ = queue.enqueue(report("after Carla"))
    assert queue.open_case(carla, later).report["summary"] == "after Carla"


def test_reporter_and_adviser_share_a_thread_through_the_code(setup):
    advisers, queue, _ = setup
    case_id, code = queue.enqueue(report())
    anna = advisers.unlock("anna", PASSPHRASE)
    queue.claim(anna, case_id)
    queue.reply(anna, case_id, "Dank je. Wil je me vertellen wanneer het begon?")
    status, messages = queue.reporter_thread(code.lower().replace("-", " "))
    assert status == "claimed"
    assert [(m.author, m.text) for m in messages] == [("adviser", "Dank je. Wil je me vertellen wanneer het begon?")]
    queue.reporter_reply(code, "Sinds september.")
    view = queue.open_case(anna, case_id)
    assert [m.author for m in view.messages] == ["adviser", "reporter"]
    with pytest.raises(CaseNotFound):
        queue.reporter_thread(case_code.new_code())
    with pytest.raises(case_code.InvalidCaseCode):
        queue.reporter_thread("1234")


def test_close_records_referral_and_stops_the_thread(setup):
    advisers, queue, _ = setup
    case_id, code = queue.enqueue(report())
    anna = advisers.unlock("anna", PASSPHRASE)
    queue.close(anna, case_id, "evp")
    assert queue.open_case(anna, case_id).report["referral"] == "evp"
    assert queue.queue_for(anna) == []
    with pytest.raises(CaseNotFound):
        queue.reporter_reply(code, "nog iets")
    with pytest.raises(ValueError):
        queue.close(anna, case_id, "the neighbours")


def test_queue_is_ordered_by_urgency_then_deadline(setup):
    advisers, queue, _ = setup
    plain, _ = queue.enqueue(report(urgency=""))
    meldcode, _ = queue.enqueue(report(urgency="meldcode"))
    acute, _ = queue.enqueue(report(urgency="acute"))
    meldplicht, _ = queue.enqueue(report(urgency="meldplicht"))
    order = [case.id for case in queue.queue_for(advisers.unlock("anna", PASSPHRASE))]
    assert order == [acute, meldplicht, meldcode, plain]


def test_no_adviser_for_the_location_means_no_case(setup):
    _, queue, _ = setup
    with pytest.raises(NoAdviser):
        queue.enqueue(report(location="wur"))


def test_audit_log_holds_no_content_and_cannot_be_changed(setup):
    advisers, queue, sessions = setup
    case_id, _ = queue.enqueue(report("kanarie-audit"))
    anna = advisers.unlock("anna", PASSPHRASE)
    queue.open_case(anna, case_id)
    queue.claim(anna, case_id)
    queue.reply(anna, case_id, "kanarie-antwoord")
    queue.close(anna, case_id, "none")
    actions = [(e.action, e.case_id) for e in queue.audit_log() if e.case_id]
    assert actions == [("closed", case_id), ("answered", case_id), ("claimed", case_id), ("opened", case_id)]
    with sessions() as session:
        dumped = repr(session.execute(text("SELECT * FROM audit_events")).all())
    assert "kanarie" not in dumped
    for statement in ("UPDATE audit_events SET action = 'nothing'", "DELETE FROM audit_events"):
        with pytest.raises(Exception, match="audit log cannot be changed"):
            with sessions() as session, session.begin():
                session.execute(text(statement))
    with sessions() as session:
        assert session.query(AuditEvent).count() == len(queue.audit_log())
