"""The periodic anonymised overview (ROC MN Bijlage I art. 9; WUR): counts from registrations, small cells suppressed."""

import csv
import io
import random
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Dict, List, Sequence, Tuple

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from contactpunt.labels import BEHAVIOUR_TYPES, ROLES
from handoff.case_queue import AMSTERDAM, REFERRALS
from handoff.models import Registration
from handoff.suppression import TOTAL, Table, suppress

DEFAULT_THRESHOLD = 5
UNKNOWN = "onbekend"
FLAG_ROWS = ("minderjarig", "staff_perpetrator", "meldplicht", "meldcode", "acute")


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    table: Table


@dataclass(frozen=True)
class Overview:
    first_month: str
    last_month: str
    months: List[str]
    threshold: int
    sections: List[Section]


_MONTH = re.compile(r"[0-9]{4}-[0-9]{2}", re.ASCII)


def _year_month(value: str) -> tuple:
    if not (isinstance(value, str) and _MONTH.fullmatch(value) and 1 <= int(value[5:]) <= 12):
        raise ValueError(f"a month is written YYYY-MM, not {value!r}")
    return int(value[:4]), int(value[5:])


def months_between(first: str, last: str) -> List[str]:
    """'2026-01'..'2026-03' -> ['2026-01', '2026-02', '2026-03'] (ASCII digits only; compared as numbers)."""
    start, end = _year_month(first), _year_month(last)
    if start > end:
        raise ValueError(f"{first} comes after {last}")
    count = (end[0] - start[0]) * 12 + end[1] - start[1] + 1
    return [f"{start[0] + (start[1] - 1 + n) // 12:04d}-{(start[1] - 1 + n) % 12 + 1:02d}" for n in range(count)]


def _table(rows: Sequence[str], months: List[str], pairs: List[tuple], threshold: int) -> Table:
    counts: Dict[tuple, int] = {}
    for row, month in pairs:
        counts[(row, month)] = counts.get((row, month), 0) + 1
    present = [r for r in rows if any(counts.get((r, m)) for m in months)]
    extra = sorted({r for r, _ in counts} - set(rows))
    return suppress(Table(present + extra, months, counts), threshold)


def overview(sessions: sessionmaker, first: str, last: str, threshold: int = DEFAULT_THRESHOLD) -> Overview:
    months = months_between(first, last)
    with sessions() as session:
        rows = session.scalars(select(Registration).where(Registration.month >= first,
                                                          Registration.month <= last)).all()
    handoffs = [r for r in rows if r.event == "handoff"]
    closes = [r for r in rows if r.event == "close"]
    flag_pairs = [(flag, r.month) for r in handoffs for flag in
                  (["minderjarig"] if r.minor == 1 else []) + [f for f in r.flags.split(",") if f]]
    sections = [
        Section("type", "Meldingen per soort gedrag", _table(
            BEHAVIOUR_TYPES, months, [(r.behaviour_type or UNKNOWN, r.month) for r in handoffs], threshold)),
        Section("role", "Meldingen per rol van de melder", _table(
            ROLES, months, [(r.role or UNKNOWN, r.month) for r in handoffs], threshold)),
        Section("location", "Meldingen per locatie", _table(
            [], months, [(r.location, r.month) for r in handoffs], threshold)),
        Section("flags", "Signalen bij meldingen (een melding kan meer signalen hebben)", _table(
            FLAG_ROWS, months, flag_pairs, threshold)),
        Section("referral", "Afgesloten meldingen per doorverwijzing (ondernomen acties)", _table(
            REFERRALS, months, [(r.referral or UNKNOWN, r.month) for r in closes], threshold)),
    ]
    return Overview(first, last, months, threshold, sections)


def to_csv(report: Overview) -> str:
    """One line per cell: section, row, month ('totaal' for the row total), count or '<threshold'."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["section", "row", "month", "count"])
    for section in report.sections:
        table = section.table
        for row in [*table.rows, TOTAL]:
            for month in [*table.columns, TOTAL]:
                shown = table.shown(row, month)
                writer.writerow([section.key, "totaal" if row == TOTAL else row,
                                 "totaal" if month == TOTAL else month,
                                 f"<{report.threshold}" if shown is None else shown])
    return out.getvalue()


def add_sample_registrations(sessions: sessionmaker, months: List[str], seed: int = 2026,
                             locations: Sequence[str] = ("rocmn", "wur")) -> int:
    """Fictional registrations for the sample report in docs/ (never mixed with real data)."""
    rng = random.Random(seed)
    weights = {"seksuele_intimidatie": 8, "pesten": 10, "agressie_geweld": 5, "discriminatie": 4,
               "stalking": 2, "mensenhandel": 1, "radicalisering": 1, "integriteit": 2}
    added = 0
    with sessions() as session, session.begin():
        for month in months:
            for _ in range(rng.randint(12, 30)):
                kind = rng.choices(list(weights), list(weights.values()))[0]
                role = rng.choices(ROLES, (12, 3, 4, 2, 1, 1))[0]
                minor = rng.choice([1, 0, None])
                flags = sorted({f for f in ("staff_perpetrator", "meldcode", "acute") if rng.random() < 0.08})
                location = rng.choices(list(locations), (3, 1))[0]
                common = dict(month=month, location=location, behaviour_type=kind, role=role, minor=minor,
                              flags=",".join(flags))
                session.add(Registration(id=str(uuid.uuid4()), event="handoff", **common))
                if rng.random() < 0.8:
                    referral = rng.choices(REFERRALS, (6, 2, 1, 1, 1, 3, 4))[0]
                    session.add(Registration(id=str(uuid.uuid4()), event="close", referral=referral, **common))
                added += 1
    return added


def default_period() -> Tuple[str, str]:
    """January up to this month, in Amsterdam (the report ROC MN asks for is yearly)."""
    this_month = datetime.now(AMSTERDAM).strftime("%Y-%m")
    return f"{this_month[:4]}-01", this_month
