"""The question a run stops with when the candidate can't be told safely: the facts to
decide on, and the command line's way of saying them.

One set of facts (:class:`CandidateFacts`: each speaker's questions asked and answered
and words spoken, the speaker :mod:`.roles` would infer, a name from the header or file
name), two phrasings: :func:`cli_listing` for the terminal (it may name flags), and the
web page's template (``candidate.html.j2``), which never does.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from .errors import NoCandidateError
from .namehint import NameSource
from .speakerstats import SpeakerStats

__all__ = ["CandidateFacts", "CandidateNeeded", "Why", "cli_listing"]

Why = Literal["not_a_speaker", "no_labels", "interviewers_only", "one_speaker", "no_questions", "no_answers"]


class CandidateFacts(BaseModel):
    """What a person needs to tell who the candidate is."""

    why: Why = Field(description="Why it had to ask.")
    speakers: list[SpeakerStats] = Field(default_factory=list, description="Every speaker but bots, in order.")
    inferred: str | None = Field(None, description="The speaker most likely the candidate, if one can be told.")
    inferred_reason: str | None = None
    name: str | None = Field(None, description="A name for the candidate from the header or file name.")
    name_source: NameSource | None = None
    name_speaker: str | None = Field(None, description="The speaker whose label matches that name, if one does.")


class CandidateNeeded(NoCandidateError):
    """The candidate can't be told safely: the caller should ask which speaker it is."""

    def __init__(
        self,
        message: str,
        *,
        hint: str | None,
        speakers: list[str],
        labelled: bool,
        facts: CandidateFacts | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.speakers = speakers
        self.labelled = labelled
        self.facts = facts


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def speaker_line(s: SpeakerStats) -> str:
    """``asks 6 questions, answers 0 of the others'; 130 words (29%)``."""
    return (
        f"asks {_plural(s.questions_asked, 'question')}, answers {s.questions_answered} of the "
        f"others'; {s.words:,} words ({s.share:.0%})"
    )


def cli_listing(facts: CandidateFacts, *, labelled: bool) -> str:
    """The speakers with their facts, the likely candidate marked, for a terminal hint."""
    lines = []
    if labelled and facts.speakers:
        lines.append("Speakers:")
        for s in facts.speakers:
            marks = []
            if s.name == facts.inferred:
                marks.append("most likely the candidate")
            if facts.name_speaker == s.name and facts.name_source:
                marks.append(f"named in the {facts.name_source}")
            mark = f"  <- {'; '.join(marks)}" if marks else ""
            lines.append(f"  {s.name!r}: {speaker_line(s)}{mark}")
    if facts.name and facts.name_speaker is None and facts.name_source:
        then = ": the report will call the candidate that" if not labelled else ""
        lines.append(f"The {facts.name_source} gives the name {facts.name!r}{then}.")
    if facts.inferred:
        lines.append(f"Pass --candidate {facts.inferred!r} if that is right.")
    return "\n  ".join(lines)
