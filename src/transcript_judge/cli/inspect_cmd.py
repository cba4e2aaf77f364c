"""``transcript-judge inspect``: the parsed transcript and who the candidate is."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..errors import NoCandidateError
from ..roles import RoleAssignment, assign_roles
from ..transcript import Transcript, Turn
from .common import candidate_options, load_with_roles

__all__ = ["inspect_cmd"]


@click.command("inspect")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@candidate_options
@click.option("--input-format", help="Force a reader instead of detecting the format.")
@click.option("--max-file-mb", type=float, help="Refuse files larger than this (default 25).")
@click.option("--limit", type=int, default=0, help="Show at most this many turns (0: all).")
def inspect_cmd(
    file: Path,
    as_json: bool,
    candidate: str | None,
    all_speech: bool,
    input_format: str | None,
    max_file_mb: float | None,
    limit: int,
) -> None:
    """Show the parsed transcript: format, speakers, roles with reasons, and turns."""
    transcript, roles, role_error = _load(
        file, input_format=input_format, candidate=candidate, all_speech=all_speech, max_file_mb=max_file_mb
    )
    turns = transcript.turns[:limit] if limit else transcript.turns
    if as_json:
        payload = {
            "file": file.name,
            "format": transcript.source_format,
            "has_speaker_labels": transcript.has_speaker_labels,
            "speakers": transcript.speakers,
            "roles": roles.model_dump(mode="json") if roles else None,
            "role_error": role_error,
            "warnings": list(transcript.warnings),
            "turns": [dataclasses.asdict(t) for t in turns],
        }
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    console = Console(soft_wrap=True)
    console.print(Text.assemble(("Format: ", "bold"), transcript.source_format, f"   turns: {len(transcript.turns)}"))
    _print_roles(console, roles, role_error)
    for w in transcript.warnings:
        console.print(Text(f"! {w}", style="yellow"))
    console.print(_turns_table(turns, roles))


def _load(
    file: Path, *, input_format: str | None, candidate: str | None, all_speech: bool, max_file_mb: float | None
) -> tuple[Transcript, RoleAssignment | None, str | None]:
    """The transcript, and its roles or why the candidate couldn't be told."""
    roles: RoleAssignment | None
    role_error: str | None = None
    try:
        transcript, roles = load_with_roles(
            file, input_format=input_format, candidate=candidate, all_speech=all_speech, max_file_mb=max_file_mb
        )
    except NoCandidateError as e:
        # Still show the turns: that's how the user picks --candidate.
        from ..ingest import read_transcript

        transcript = read_transcript(file, input_format=input_format)
        roles, role_error = None, str(e)
    if roles is None and role_error is None:  # pragma: no cover
        roles = assign_roles(transcript)
    return transcript, roles, role_error


def _print_roles(console: Console, roles: RoleAssignment | None, role_error: str | None) -> None:
    if not roles:
        console.print(Text(f"Candidate: not determined. {role_error}", style="yellow"))
        return
    console.print(Text.assemble(("Candidate: ", "bold"), roles.shown_name, f"  ({roles.method}: {roles.reason})"))
    if roles.interviewers:
        console.print(Text.assemble(("Interviewers: ", "bold"), ", ".join(roles.interviewers)))
    if roles.excluded:
        console.print(Text.assemble(("Excluded: ", "bold"), ", ".join(roles.excluded)))
    if roles.unattributed:
        console.print(
            Text.assemble(("Unattributed (never the candidate unless chosen): ", "bold"), ", ".join(roles.unattributed))
        )


def _turns_table(turns: Sequence[Turn], roles: RoleAssignment | None) -> Table:
    """The turns, the candidate's in cyan; each text cut at 400 characters."""
    table = Table(show_lines=False, expand=True)
    table.add_column("T", justify="right")
    table.add_column("time", no_wrap=True)
    table.add_column("speaker", no_wrap=True)
    table.add_column("text")
    for t in turns:
        style = "cyan" if roles and t.speaker == roles.candidate else ""
        table.add_row(str(t.index), t.timestamp, Text(t.speaker, style=style), Text(t.text[:400]))
    return table
