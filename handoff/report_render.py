"""Renders the anonymised overview as HTML (tables and SVG charts, no scripts, nothing external) and CSV files."""

from pathlib import Path
from typing import Dict, List

import jinja2

from handoff.report import Overview, to_csv
from handoff.suppression import TOTAL

TEMPLATES = Path(__file__).parent / "console" / "templates"
LABELS: Dict[str, str] = {
    "ivp": "Interne vertrouwenspersoon", "evp": "Externe vertrouwenspersoon", "cvb": "College van Bestuur",
    "police": "Politie", "veilig_thuis": "Veilig Thuis", "gp_psychologist": "Huisarts / psycholoog",
    "none": "Geen doorverwijzing", "staff_perpetrator": "pleger is medewerker", "oud_student": "oud-student",
    "agressie_geweld": "agressie en geweld", "seksuele_intimidatie": "seksuele intimidatie",
}
BAR_WIDTH = 320


def label(key: str) -> str:
    return LABELS.get(key, key.replace("_", " "))


def _bars(section, threshold: int) -> List[dict]:
    """Row totals as bars; a suppressed total gets no bar, only its '<threshold' label."""
    table = section.table
    shown = {row: table.shown(row, TOTAL) for row in table.rows}
    largest = max([v for v in shown.values() if v] or [1])
    return [{"label": label(row), "value": f"<{threshold}" if value is None else value,
             "width": 0 if value is None else round(BAR_WIDTH * value / largest)} for row, value in shown.items()]


def _trend(report: Overview) -> List[dict]:
    table = report.sections[0].table
    values = {month: table.shown(TOTAL, month) for month in report.months}
    largest = max([v for v in values.values() if v] or [1])
    return [{"month": month, "value": f"<{report.threshold}" if value is None else value,
             "height": 0 if value is None else round(140 * value / largest)} for month, value in values.items()]


def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
    env.globals.update(label=label, TOTAL=TOTAL)
    return env


def context(report: Overview) -> dict:
    return {"report": report, "bars": {s.key: _bars(s, report.threshold) for s in report.sections},
            "trend": _trend(report), "bar_width": BAR_WIDTH}


def render_page(report: Overview) -> str:
    """A standalone HTML page (for sending to the OR and the Centrale Studentenraad)."""
    return environment().get_template("report_page.html").render(**context(report))


def write_files(report: Overview, directory: Path) -> List[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    html, csv_file = directory / "report.html", directory / "report.csv"
    html.write_text(render_page(report), encoding="utf-8")
    csv_file.write_text(to_csv(report), encoding="utf-8")
    return [html, csv_file]
