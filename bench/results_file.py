"""bench/RESULTS.md: each benchmark that records itself owns one section between its markers."""

from __future__ import annotations

import re
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def write_section(name: str, lines: list[str]) -> None:
    """Replaces the section `<!-- name:begin -->` … `<!-- name:end -->` (appended when absent)."""
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    section = "\n".join([f"<!-- {name}:begin -->", *lines, f"<!-- {name}:end -->"])
    pattern = re.compile(
        rf"<!-- {re.escape(name)}:begin -->.*?<!-- {re.escape(name)}:end -->", re.S
    )
    if pattern.search(text):
        text = pattern.sub(lambda _: section, text)
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    RESULTS.write_text(text)
