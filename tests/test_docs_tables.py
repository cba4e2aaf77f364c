"""The docs' tables say what the code does (#12 item 11): the exit codes are generated from
``errors.EXIT_CODES``, and the formats table names exactly the readers there are."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from transcript_judge import errors
from transcript_judge.cli import common
from transcript_judge.doctables import TABLES, render_into
from transcript_judge.ingest import available_formats

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", sorted(TABLES))
def test_each_generated_table_in_the_docs_is_what_the_code_writes(name: str) -> None:
    doc, make = TABLES[name]
    text = (ROOT / doc).read_text(encoding="utf-8")
    assert render_into(text, name, make()) == text, f"run scripts/docs-tables: the {name} table in {doc} is stale"


def test_every_exit_code_the_tool_can_give_is_in_the_table() -> None:
    raised = {
        cls.exit_code
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, errors.TranscriptJudgeError)
    }
    constants = {v for k, v in vars(common).items() if k.startswith("EXIT_") and isinstance(v, int)}
    assert raised | constants <= set(errors.EXIT_CODES)
    assert 2 in errors.EXIT_CODES  # click's usage errors


def test_the_formats_table_names_every_reader_and_no_other() -> None:
    text = (ROOT / "docs" / "formats.md").read_text(encoding="utf-8")
    first_cells = re.findall(r"^\| (`[^|]+`) \|", text, flags=re.M)
    named = {n for cell in first_cells for n in re.findall(r"`([a-z0-9-]+)`", cell)} - {"--input-format"}
    assert named == set(available_formats())


def test_a_doc_without_the_markers_is_an_error_not_a_silent_no_op() -> None:
    with pytest.raises(ValueError, match="markers"):
        render_into("no markers here", "exit-codes", "| x |")
