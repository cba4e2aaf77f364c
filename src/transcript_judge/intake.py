"""Steps 1–2 for every front end: read a file (or an upload's bytes) and find the candidate.

Cheap to import (no pipeline, no SDK): ``inspect`` uses it alone. The rest of a run is
:mod:`.service`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .candidate_question import CandidateNeeded
from .errors import NoCandidateError
from .ingest import DEFAULT_MAX_BYTES, Source, load_source, parse_source
from .roles import RoleAssignment, assign_roles, is_bot
from .transcript import Transcript

__all__ = ["CandidateNeeded", "ReadChoices", "attribute", "read"]


@dataclass(frozen=True)
class ReadChoices:
    """How to read a file and whose words to judge."""

    input_format: str | None = None
    candidate: str | None = None
    all_speech: bool = False
    max_bytes: int = DEFAULT_MAX_BYTES


def attribute(transcript: Transcript, choices: ReadChoices, *, source_name: str | None = None) -> RoleAssignment:
    """Who the candidate is (given, or inferred and said so in the report); ``source_name``,
    the file's name, may name the candidate.

    Raises:
        CandidateNeeded: the candidate can't be determined (or the one given isn't a
            speaker); carries the speakers to ask about, with the facts to decide on.
    """
    try:
        return assign_roles(
            transcript,
            candidate=choices.candidate or None,
            all_speech_is_candidate=choices.all_speech,
            source_name=source_name,
        )
    except CandidateNeeded:
        raise
    except NoCandidateError as e:
        speakers = [s for s in transcript.speakers if not is_bot(s)]
        raise CandidateNeeded(e.message, hint=e.hint, speakers=speakers, labelled=transcript.has_speaker_labels) from e


def read(source: Path | Source, choices: ReadChoices) -> tuple[Transcript, RoleAssignment]:
    """Parse a file (or an upload's bytes) and find the candidate.

    Raises:
        InputError: not a transcript, too large, empty, binary, unreadable.
        CandidateNeeded: as :func:`attribute`.
    """
    if isinstance(source, Path):
        source = load_source(source, max_bytes=choices.max_bytes)
    transcript = parse_source(source, input_format=choices.input_format or None, max_bytes=choices.max_bytes)
    return transcript, attribute(transcript, choices, source_name=source.name)
