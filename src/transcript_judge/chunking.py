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

Each line's tokens are counted once. Lines and chunks are slotted dataclasses that share
the turns' text (a split turn's pieces are the only new strings): a long interview has
tens of thousands of lines, and a validated model per line cost ~1 KB each.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from .errors import ConfigError
from .roles import RoleAssignment
from .transcript import Transcript

__all__ = ["DEFAULT_CHUNK_TOKENS", "Chunk", "ChunkLine", "ChunkingSettings", "chunk_transcript", "compute_budget"]

Role = Literal["candidate", "interviewer", "other"]
_SENTENCE_END = re.compile(r"(?<=[.!?…。？！])\s+")
#: Tokens that joining two texts with a space may add beyond their separate counts: the
#: space itself (1), and 1 more for the padded o200k estimate's rounding (ceil(1.1 n)).
_JOIN_SLACK = 2
_PER_LINE = 12  # the line's "[T123] CANDIDATE: " label and the newline


@dataclass(frozen=True, slots=True, kw_only=True)
class ChunkLine:
    """A turn (or a piece of one) as it is sent to the model."""

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


@dataclass(frozen=True, slots=True, kw_only=True)
class Chunk:
    index: int
    lines: tuple[ChunkLine, ...]
    tokens: int

    def __post_init__(self) -> None:
        if not isinstance(self.lines, tuple):
            object.__setattr__(self, "lines", tuple(self.lines))

    @property
    def candidate_lines(self) -> list[ChunkLine]:
        return [ln for ln in self.lines if ln.role == "candidate"]

    @property
    def turn_range(self) -> tuple[int, int]:
        return self.lines[0].turn, self.lines[-1].turn


#: Transcript tokens per chunk, unless the user says otherwise (``--chunk-tokens``).
DEFAULT_CHUNK_TOKENS = 8000


@dataclass(frozen=True)
class ChunkingSettings:
    """How big chunks are. Defaults keep a 60-minute interview to two or three calls."""

    chunk_tokens: int = DEFAULT_CHUNK_TOKENS
    overlap_tokens: int = 200
    output_reserve: int = 4000


def compute_budget(settings: ChunkingSettings, *, context_window: int, prompt_tokens: int) -> int:
    """Tokens of transcript a chunk may hold."""
    available = context_window - prompt_tokens - settings.output_reserve
    budget = min(settings.chunk_tokens, available)
    if budget < 200:
        raise ConfigError(
            f"The model's context window ({context_window}) leaves no room for the transcript "
            f"after the prompt ({prompt_tokens}) and the output reserve ({settings.output_reserve}).",
            hint="Use a model with a larger context window, or correct TJ_CONTEXT_WINDOW.",
        )
    return budget


def _pack(parts: Iterable[str], budget: int, count: Callable[[str], int], *, recount: bool = False) -> list[str]:
    """Join ``parts`` with spaces, greedily, into pieces of at most ``budget`` tokens (a part
    over the budget on its own stays a piece of its own).

    The same pieces as re-counting the growing piece at every part, in linear time: each
    part is counted once, and the piece is kept as an upper bound on its count (its parts'
    counts plus :data:`_JOIN_SLACK` a join). Only when that bound passes the budget is the
    candidate piece counted exactly, which happens a few times per piece. ``recount`` counts
    every candidate piece (quadratic): the safety net for a piece whose bound proved wrong.
    """
    pieces: list[str] = []
    held: list[str] = []  # the parts of the piece being built (right-stripped; the first also left-stripped)
    bound = 0  # >= the count of " ".join(held)
    estimated = False  # whether ``bound`` is only a bound (else the exact count)

    def emit() -> None:
        text = " ".join(held)
        if estimated and count(text) > budget:
            # The bound was wrong (a tokenizer that isn't subadditive): redo this piece exactly.
            pieces.extend(_pack(held, budget, count, recount=True))
        else:
            pieces.append(text)

    for raw in parts:
        part = raw.rstrip()
        if not part:
            continue  # whitespace adds nothing to a piece
        if held and not recount and (grown := bound + count(part) + _JOIN_SLACK) <= budget:
            held.append(part)
            bound, estimated = grown, True
            continue
        if held:
            joined = count(" ".join([*held, part]))
            if joined <= budget:
                held.append(part)
                bound, estimated = joined, False
                continue
            emit()
        held, bound, estimated = [part.lstrip()], count(part.lstrip()), False
    if held:
        emit()
    return pieces


def _split_text(text: str, budget: int, count: Callable[[str], int]) -> list[str]:
    """Split text at sentence boundaries (words as a last resort) into pieces <= budget."""
    units: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        if not sentence:
            continue
        if count(sentence) <= budget:
            units.append(sentence)
        else:
            units.extend(_pack(sentence.split(" "), budget, count))
    return _pack(units, budget, count)


def _role(speaker: str, roles: RoleAssignment) -> Role:
    if speaker == roles.candidate:
        return "candidate"
    return "interviewer" if speaker in roles.interviewers else "other"


#: A place in a chunk: (index into the transcript's lines, repeated as context).
_Entry = tuple[int, bool]


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
    lines, costs = _lines(transcript, roles, budget, count_tokens)
    chunks = _fill_chunks(lines, costs, budget=budget, overlap_tokens=overlap_tokens)
    # A chunk with none of the candidate's own words can't show anything: don't pay for it.
    # (Its interviewer lines still travel as context with the next chunk.)
    judged = [ch for ch in chunks if any(lines[i].role == "candidate" and not overlap for i, overlap in ch)]
    return [
        Chunk(
            index=n,
            lines=tuple(replace(lines[i], overlap=True) if overlap else lines[i] for i, overlap in ch),
            tokens=sum(costs[i] for i, _ in ch),
        )
        for n, ch in enumerate(judged)
    ]


def _lines(
    transcript: Transcript, roles: RoleAssignment, budget: int, count_tokens: Callable[[str], int]
) -> tuple[list[ChunkLine], list[int]]:
    """The lines to send (a turn over the budget split into pieces) and each one's cost: its
    text's tokens plus the label allowance."""
    lines: list[ChunkLine] = []
    costs: list[int] = []
    excluded = set(roles.excluded)
    for t in transcript.turns:
        if t.speaker in excluded:
            continue
        base = ChunkLine(turn=t.index, speaker=t.speaker, role=_role(t.speaker, roles), text=t.text, start=t.start)
        allowance = _PER_LINE + len(t.speaker) // 3
        cost = count_tokens(t.text) + allowance
        if cost <= budget:
            lines.append(base)
            costs.append(cost)
            continue
        # each piece's text leaves room for the label (no floor: a floor broke tiny budgets)
        pieces = _split_text(t.text, max(1, budget - _PER_LINE - len(t.speaker)), count_tokens)
        for i, piece in enumerate(pieces, 1):
            lines.append(replace(base, text=piece, part=i, parts=len(pieces)))
            costs.append(count_tokens(piece) + allowance)
    return lines, costs


def _exchanges(lines: Sequence[ChunkLine]) -> list[list[int]]:
    """Line indices grouped as exchanges: interviewer question(s) followed by the answers."""
    exchanges: list[list[int]] = []
    for i, line in enumerate(lines):
        if not exchanges or (line.role != "candidate" and lines[exchanges[-1][-1]].role == "candidate"):
            exchanges.append([i])
        else:
            exchanges[-1].append(i)
    return exchanges


def _fill_chunks(
    lines: Sequence[ChunkLine], costs: Sequence[int], *, budget: int, overlap_tokens: int
) -> list[list[_Entry]]:
    """Fill chunks greedily, keeping an exchange whole when it fits in a chunk of its own;
    each new chunk starts with context from the one before (:func:`_context_for`)."""
    chunks: list[list[_Entry]] = []
    current: list[_Entry] = []
    used = 0

    def start_new_chunk(first: int) -> None:
        nonlocal current, used
        if current:
            chunks.append(current)
        context = _context_for([i for i, _ in current], first, lines, costs, overlap_tokens, budget)
        current = [(i, True) for i in context]
        used = sum(costs[i] for i in context)

    for exchange in _exchanges(lines):
        size = sum(costs[i] for i in exchange)
        if current and used + size > budget and size <= budget:
            start_new_chunk(exchange[0])
        for i in exchange:
            if current and used + costs[i] > budget:
                start_new_chunk(i)
            current.append((i, False))
            used += costs[i]
    if current:
        chunks.append(current)
    return chunks


def _context_for(
    previous: Sequence[int],
    first: int,
    lines: Sequence[ChunkLine],
    costs: Sequence[int],
    overlap_tokens: int,
    budget: int,
) -> list[int]:
    """Lines of the previous chunk to repeat at the start of the next one (as indices)."""
    context: list[int] = []
    used = 0
    for i in reversed(previous):
        if used + costs[i] > overlap_tokens:
            break
        context.insert(0, i)
        used += costs[i]
    if lines[first].role == "candidate":
        question = next((i for i in reversed(previous) if lines[i].role != "candidate"), None)
        if question is not None and question not in context and costs[question] <= budget // 4:
            context.insert(0, question)
    # Never let context crowd out the chunk's own content.
    while context and sum(costs[i] for i in context) + costs[first] > budget // 2:
        context.pop(0)
    return context
