"""Tables in the docs that are generated from the code, so the two can't drift.

``python -m transcript_judge.doctables`` (or ``scripts/docs-tables``) rewrites each table
between its markers, ``<!-- NAME:start -->`` and ``<!-- NAME:end -->``;
``tests/test_docs_tables.py`` fails when a table in the docs isn't what this writes.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

from .errors import EXIT_CODES
from .report.summary import LEGEND

__all__ = ["TABLES", "exit_codes_table", "main", "render_into", "verdicts_table"]


def exit_codes_table() -> str:
    rows = "\n".join(f"| {code} | {meaning} |" for code, meaning in sorted(EXIT_CODES.items()))
    return "| code | meaning |\n|---|---|\n" + rows


def verdicts_table() -> str:
    rows = "\n".join(f"| *{label}* | {meaning} |" for label, meaning in LEGEND)
    return "| verdict | meaning |\n|---|---|\n" + rows


#: Each generated table: its marker name, the doc it lives in (from the repository root),
#: and what writes it.
TABLES: dict[str, tuple[str, Callable[[], str]]] = {
    "exit-codes": ("docs/usage.md", exit_codes_table),
    "verdicts": ("docs/usage.md", verdicts_table),
}


def render_into(text: str, name: str, table: str) -> str:
    """``text`` with the table between ``name``'s markers replaced by ``table``.

    Raises:
        ValueError: the markers aren't in the text.
    """
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    if not pattern.search(text):
        raise ValueError(f"no {start} ... {end} markers")
    return pattern.sub(lambda _: f"{start}\n{table}\n{end}", text)


def main(root: Path | None = None) -> int:
    base = root or Path(__file__).resolve().parents[2]
    for name, (doc, make) in TABLES.items():
        path = base / doc
        text = path.read_text(encoding="utf-8")
        new = render_into(text, name, make())
        if new != text:
            path.write_text(new, encoding="utf-8")
            print(f"updated the {name} table in {doc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
