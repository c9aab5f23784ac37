"""Writes one section of docs/reliability.md (the fuzz run's or the soak's figures) and keeps the other sections."""

import re
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "reliability.md"
TITLE = "# Reliability: fuzzing and soak\n\nWritten by `make fuzz` and `make soak`; each replaces only its own section.\n"


def write_section(name: str, markdown: str, doc: Path = DOC) -> None:
    begin, end = f"<!-- {name}: begin -->", f"<!-- {name}: end -->"
    block = f"{begin}\n{markdown.strip()}\n{end}"
    text = doc.read_text(encoding="utf-8") if doc.exists() else TITLE
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.DOTALL)
    text = pattern.sub(lambda _: block, text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + block + "\n"
    doc.write_text(text, encoding="utf-8")


def publish(name: str, markdown: str, doc: Path = DOC) -> None:
    """Print the section and write it into the document."""
    print(markdown)
    write_section(name, markdown, doc)
