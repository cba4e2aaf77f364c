"""Step 3: split a transcript into chunks that fit the model's budget.

Rules:
- windows follow turn boundaries; a turn is split only when it alone exceeds the budget,
  and then at sentence boundaries (words, for a single giant sentence);
- a candidate answer travels with the interviewer question it answers: turns are packed
  as exchanges (question turns + the answers that follow), and a chunk that starts with
  an answer carries the question before it as context;
- chunks overlap slightly (``overlap_tokens`` of the previous chunk's tail);
- the budget is the model's context window less the prompt and the output reserve, capped
  by the configurable ``chunk_tokens``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict

from .roles import RoleAssignment
from .transcript import Transcript

__all__ = ["Chunk", "ChunkLine", "ChunkingSettings", "chunk_transcript", "compute_budget"]

Role = Literal["candidate", "interviewer", "other"]
_SENTENCE_END = re.compile(r"(?<=[.!?…。？！])\s+")


class ChunkLine(BaseModel):
    """A turn (or a piece of one) as it is sent to the model."""

    model_config = ConfigDict(frozen=True)

    turn: int
    speaker: str
    role: Role
    text: str
    start: float | None = None
    part: int | None = None  # 1-based piece number when the turn was split
    parts: int | None = None
    overlap: bool = False  # context repeated from the previous chunk

    @property
    def label(self) -> str:
        """``T12`` (or ``T12 part 2/3``). No timestamp: the model quotes by T-number and the
        report maps turns to times locally, which saves ~12 tokens a line (RESULTS.md)."""
        piece = f" part {self.part}/{self.parts}" if self.part else ""
        return f"T{self.turn}{piece}"


class Chunk(BaseModel):
    model_config = ConfigDict(frozen=True)

    index: int
    lines: tuple[ChunkLine, ...]
    tokens: int

    @property
    def candidate_lines(self) -> list[ChunkLine]:
        return [ln for ln in self.lines if ln.role == "candidate"]

    @property
    def turn_range(self) -> tuple[int, int]:
        return self.lines[0].turn, self.lines[-1].turn


@dataclass(frozen=True)
class ChunkingSettings:
    """How big chunks are. Defaults keep a 60-minute interview to two or three calls."""

    chunk_tokens: int = 8000
    overlap_tokens: int = 200
    output_reserve: int = 4000


def compute_budget(settings: ChunkingSettings, *, context_window: int, prompt_tokens: int) -> int:
    """Tokens of transcript a chunk may hold."""
    available = context_window - prompt_tokens - settings.output_reserve
    budget = min(settings.chunk_tokens, available)
    if budget < 200:
        raise ValueError(
            f"The model's context window ({context_window}) leaves no room for the transcript "
            f"after the prompt ({prompt_tokens}) and the output reserve ({settings.output_reserve})."
        )
    return budget


def _split_text(text: str, budget: int, count: Callable[[str], int]) -> list[str]:
    """Split text at sentence boundaries (words as a last resort) into pieces <= budget."""
    sentences = [s for s in _SENTENCE_END.split(text) if s]
    units: list[str] = []
    for s in sentences:
        if count(s) <= budget:
            units.append(s)
            continue
        words, piece = s.split(" "), ""
        for w in words:
            trial = f"{piece} {w}".strip()
            if piece and count(trial) > budget:
                units.append(piece)
                piece = w
            else:
                piece = trial
        if piece:
            units.append(piece)
    pieces: list[str] = []
    current = ""
    for u in units:
        trial = f"{current} {u}".strip()
        if current and count(trial) > budget:
            pieces.append(current)
            current = u
        else:
            current = trial
    if current:
        pieces.append(current)
    return pieces


def _role(speaker: str, roles: RoleAssignment) -> Role:
    if speaker == roles.candidate:
        return "candidate"
    return "interviewer" if speaker in roles.interviewers else "other"


def chunk_transcript(
    transcript: Transcript,
    roles: RoleAssignment,
    *,
    budget: int,
    count_tokens: Callable[[str], int],
    overlap_tokens: int = 200,
) -> list[Chunk]:
    """Split the transcript into chunks of at most ``budget`` tokens.

    ``count_tokens`` is applied to each line's text; a small per-line allowance covers
    the label that the prompt adds.
    """
    per_line = 12  # "[T123 00:12:34] CANDIDATE (Name): " and the newline

    def cost(line: ChunkLine) -> int:
        return count_tokens(line.text) + per_line + len(line.speaker) // 3

    lines: list[ChunkLine] = []
    excluded = set(roles.excluded)
    for t in transcript.turns:
        if t.speaker in excluded:
            continue
        base = ChunkLine(turn=t.index, speaker=t.speaker, role=_role(t.speaker, roles), text=t.text, start=t.start)
        if cost(base) <= budget:
            lines.append(base)
            continue
        pieces = _split_text(t.text, max(50, budget - per_line - len(t.speaker)), count_tokens)
        for i, piece in enumerate(pieces, 1):
            lines.append(base.model_copy(update={"text": piece, "part": i, "parts": len(pieces)}))

    # Exchanges: interviewer question(s) followed by the answers.
    exchanges: list[list[ChunkLine]] = []
    for line in lines:
        starts_new = not exchanges or (line.role != "candidate" and exchanges[-1][-1].role == "candidate")
        if starts_new:
            exchanges.append([line])
        else:
            exchanges[-1].append(line)

    chunks: list[list[ChunkLine]] = []
    current: list[ChunkLine] = []
    used = 0

    def start_new_chunk(first: ChunkLine) -> None:
        nonlocal current, used
        if current:
            chunks.append(current)
        context = _context_for(current, first, overlap_tokens, budget, cost)
        current = [c.model_copy(update={"overlap": True}) for c in context]
        used = sum(cost(c) for c in current)

    for exchange in exchanges:
        size = sum(cost(ln) for ln in exchange)
        if current and used + size > budget and size <= budget:
            start_new_chunk(exchange[0])
        for line in exchange:
            c = cost(line)
            if current and used + c > budget:
                start_new_chunk(line)
            current.append(line)
            used += c
    if current:
        chunks.append(current)
    # A chunk with none of the candidate's own words can't show anything: don't pay for it.
    # (Its interviewer lines still travel as context with the next chunk.)
    judged = [ch for ch in chunks if any(ln.role == "candidate" and not ln.overlap for ln in ch)]
    return [Chunk(index=i, lines=tuple(ch), tokens=sum(cost(ln) for ln in ch)) for i, ch in enumerate(judged)]


def _context_for(
    previous: Sequence[ChunkLine],
    first: ChunkLine,
    overlap_tokens: int,
    budget: int,
    cost: Callable[[ChunkLine], int],
) -> list[ChunkLine]:
    """Lines of the previous chunk to repeat at the start of the next one."""
    context: list[ChunkLine] = []
    used = 0
    for line in reversed(previous):
        c = cost(line)
        if used + c > overlap_tokens:
            break
        context.insert(0, line)
        used += c
    if first.role == "candidate":
        question = next((ln for ln in reversed(previous) if ln.role != "candidate"), None)
        if question is not None and question not in context and cost(question) <= budget // 4:
            context.insert(0, question)
    # Never let context crowd out the chunk's own content.
    while context and sum(cost(c) for c in context) + cost(first) > budget // 2:
        context.pop(0)
    return context
