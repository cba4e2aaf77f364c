"""What a request asks the model about, as data: the chunk's lines exactly as the prompt
shows them, and the criteria (or the one quote) to judge.

The prompt renders from this (:mod:`transcript_judge.prompting`), and the request carries
it (:attr:`ChatRequest.subject <transcript_judge.llm.base.ChatRequest.subject>`) outside
its key, so a fake model reads ``request.subject.candidate_lines()`` instead of re-parsing
the rendered text: a template change then breaks no fake. Only what the model sees is
here (speakers by role, text neutralised), never a name it isn't shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["ConfirmQuestion", "JudgedChunk", "JudgedLine", "Role"]

Role = Literal["candidate", "interviewer", "other"]


@dataclass(frozen=True, slots=True, kw_only=True)
class JudgedLine:
    """One transcript line as the model sees it."""

    turn: int
    #: ``T12`` or ``T12 part 2/3``: the line's label in the prompt.
    label: str
    role: Role
    #: The speaker as shown: ``CANDIDATE``, ``INTERVIEWER``, ``INTERVIEWER 2``, ``OTHER 1``.
    speaker: str
    #: The text as sent (neutralised).
    text: str
    #: Context repeated from the previous chunk: shown, not judged here.
    context: bool = False
    #: Seconds from the start, when the transcript has times (the prompt doesn't show them).
    start: float | None = None

    @property
    def who(self) -> str:
        """What the prompt shows before the colon (``CONTEXT CANDIDATE`` for context)."""
        return f"CONTEXT {self.speaker}" if self.context else self.speaker


@dataclass(frozen=True, slots=True, kw_only=True)
class ConfirmQuestion:
    """The yes/no question of ``judge_mode = "confirm"``: does this sentence show that?"""

    criterion: str
    turn: int
    #: The sentence as sent (neutralised).
    sentence: str


@dataclass(frozen=True, slots=True, kw_only=True)
class JudgedChunk:
    """A chunk being judged: its lines, which part it is, and what is asked about it."""

    index: int  # 0-based; the prompt says "part index+1 of total"
    total: int
    lines: tuple[JudgedLine, ...]
    #: The criterion ids asked for (on a re-ask, only those still missing).
    criteria: tuple[str, ...]
    question: ConfirmQuestion | None = None
    #: The probe ids asked about ("which of these did the interviewer ask?"), if that is the question.
    probes: tuple[str, ...] = ()

    def own_lines(self) -> list[JudgedLine]:
        """The lines judged here (not the context repeated from the previous chunk)."""
        return [ln for ln in self.lines if not ln.context]

    def candidate_lines(self) -> list[JudgedLine]:
        """The candidate's own lines: what a quote may come from."""
        return [ln for ln in self.own_lines() if ln.role == "candidate"]

    def interviewer_lines(self) -> list[JudgedLine]:
        """The interviewers' own lines."""
        return [ln for ln in self.own_lines() if ln.role == "interviewer"]
