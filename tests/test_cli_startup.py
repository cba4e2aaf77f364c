"""The command line starts without importing what it doesn't run (#12 item 8; benchmark 7
times it). Here: what is imported, and that the lazy listing says what the commands say."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest

import transcript_judge
from transcript_judge.cli import COMMANDS, cli

ROOT = Path(__file__).resolve().parents[1]

_PROBE = """
import sys
from transcript_judge.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print("MODULES=" + ",".join(sorted(m for m in sys.modules if m.startswith("transcript_judge"))))
print("HEAVY=" + ",".join(m for m in ("pydantic", "jinja2", "tiktoken", "langdetect", "docx") if m in sys.modules))
"""


def _imported(*args: str) -> tuple[set[str], set[str]]:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, *args], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    found = dict(line.split("=", 1) for line in out.splitlines() if line.startswith(("MODULES=", "HEAVY=")))
    return {m for m in found["MODULES"].split(",") if m}, {m for m in found["HEAVY"].split(",") if m}


@pytest.mark.parametrize("args", [["--help"], ["--version"]])
def test_the_group_alone_imports_no_command_and_no_pipeline(args: list[str]) -> None:
    modules, heavy = _imported(*args)
    assert modules == {"transcript_judge", "transcript_judge._version", "transcript_judge.cli",
                       "transcript_judge.cli.common", "transcript_judge.errors"}  # fmt: skip
    assert heavy == set()


def test_one_commands_help_imports_that_command_only() -> None:
    modules, _ = _imported("schema", "--help")
    assert "transcript_judge.cli.analyse" in modules
    others = {"transcript_judge.cli.eval_cmd", "transcript_judge.cli.serve_cmd", "transcript_judge.cli.store_cmd"}
    assert not others & modules


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_listed_line_is_the_commands_own_short_help(name: str) -> None:
    command = cli.get_command(click.Context(cli), name)
    assert isinstance(command, click.Command) and command.name == name
    stand_in = click.Command(name, help=COMMANDS[name][2])
    assert stand_in.get_short_help_str(limit=1000) == command.get_short_help_str(limit=1000)


def test_the_group_lists_every_command_and_runs_them() -> None:
    assert cli.list_commands(click.Context(cli)) == sorted(COMMANDS)
    assert cli.get_command(click.Context(cli), "no-such-command") is None
    help_text = subprocess.run(
        [sys.executable, "-c", "from transcript_judge.cli import main; main(['--help'])"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    ).stdout  # fmt: skip
    for name in COMMANDS:
        assert f"\n  {name} " in help_text


def test_the_package_exports_load_on_first_use() -> None:
    for name in transcript_judge.__all__:
        assert getattr(transcript_judge, name) is not None
        assert name in dir(transcript_judge)
    with pytest.raises(AttributeError):
        transcript_judge.no_such_name  # noqa: B018


def test_inspecting_a_caption_file_imports_no_word_reader_and_no_llm_stack() -> None:
    modules, heavy = _imported("inspect", str(ROOT / "fixtures" / "interview_zoom.vtt"))
    assert "docx" not in heavy and "tiktoken" not in heavy
    assert not {m for m in modules if m.startswith(("transcript_judge.llm", "transcript_judge.web"))}
