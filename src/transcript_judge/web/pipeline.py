"""An upload through the pipeline: parse, roles, redaction, plan; then the run itself.

The same steps as ``transcript-judge analyse``, from bytes instead of a path. All of it
happens in the background job, in its turn (parsing a large upload takes seconds and
hundreds of megabytes, so it waits for a slot like the rest of the run). A problem only
the user can resolve (which speaker is the candidate; whether to read an unrecognised
file as plain text) ends the job with a *question* (:func:`question_of`), which the
page and the API put to the user; the answer runs the job again.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .. import service
from ..errors import InputError, RubricError, TranscriptJudgeError
from ..events import EventCallback
from ..ingest import Source, parse_source
from ..llm.base import LLM
from ..planning import AnalysisSettings, Plan
from ..report.model import Report
from ..resources import default_rubric_path, prompts_dir
from ..rubric import Rubric, load_rubric
from ..trace import CallStats
from ..transcript import Transcript, Turn
from .storage import WebStore

__all__ = [
    "KeptTranscript",
    "Prepared",
    "RubricCatalogue",
    "RubricChoice",
    "UploadOptions",
    "analyse",
    "decode_turns",
    "encode_turns",
    "parse_turns",
    "prepare",
    "question_of",
]

#: What the ingest layer says when no reader recognises a file (the page offers plain text).
NOT_RECOGNISED = "doesn't look like a transcript"


@dataclass(frozen=True)
class UploadOptions:
    """What the user chose with the upload. Recorded in the history, reused on resume."""

    candidate: str | None = None
    all_speech: bool = False
    rubric: str | None = None
    redact: bool = False
    redact_names: bool = False
    input_format: str | None = None

    def recorded(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_recorded(cls, data: dict[str, Any]) -> UploadOptions:
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)


def question_of(error: TranscriptJudgeError, options: UploadOptions) -> dict[str, Any] | None:
    """What to ask the user so that a run that stopped with ``error`` can go on, or None.

    ``{"kind": "candidate", "speakers": [...], "labelled": bool, "tried": name or None,
    "facts": CandidateFacts or None}`` asks which speaker is the candidate (the facts: who
    asks and who answers, the likely candidate, a name from the header or file name);
    ``{"kind": "format"}`` offers to read a file no reader recognised as plain text.
    """
    if isinstance(error, service.CandidateNeeded):
        facts = error.facts.model_dump(mode="json") if error.facts is not None else None
        return {"kind": "candidate", "speakers": error.speakers, "labelled": error.labelled,
                "tried": options.candidate, "facts": facts}
    if isinstance(error, InputError) and not options.input_format and NOT_RECOGNISED in error.message:
        return {"kind": "format"}
    return None


@dataclass(frozen=True)
class RubricChoice:
    key: str
    title: str
    path: Path


class RubricCatalogue:
    """The rubrics the form offers, by key. Users pick a key, never a path."""

    def __init__(self, extra: Sequence[Path] = ()) -> None:
        bundled = sorted(p for p in (prompts_dir() / "rubrics").iterdir() if p.suffix in (".toml", ".json"))
        self._choices: dict[str, RubricChoice] = {}
        self._loaded: dict[str, Rubric] = {}
        for path in [*bundled, *extra]:
            rubric = load_rubric(path)  # a broken --rubric fails at start, not at upload
            key = path.stem
            while key in self._choices:
                key += "_"
            self._choices[key] = RubricChoice(key, f"{rubric.name} (v{rubric.version})", path)
            self._loaded[key] = rubric
        self.default = default_rubric_path().stem

    def choices(self) -> list[RubricChoice]:
        return list(self._choices.values())

    def get(self, key: str | None) -> Rubric:
        """The rubric for ``key`` (the default for None or "").

        Raises:
            RubricError: no rubric has that key.
        """
        key = key or self.default
        if key not in self._loaded:
            raise RubricError(
                f"There is no rubric {key!r} on this server.",
                hint="Choose one of: " + ", ".join(self._choices),
            )
        return self._loaded[key]


@dataclass
class Prepared:
    """An upload parsed and planned (:func:`.service.prepare`): ready to run. (The
    upload's bytes aren't kept: the run doesn't need them.)"""

    upload_name: str
    options: UploadOptions
    turns: bytes  # the transcript as uploaded, for the report page (:func:`encode_turns`)
    ready: service.Prepared

    @property
    def plan(self) -> Plan:
        return self.ready.plan

    @property
    def digest(self) -> str:
        """Of the transcript as uploaded (what --resume matches on)."""
        return self.ready.digest


def prepare(
    data: bytes,
    upload_name: str,
    options: UploadOptions,
    *,
    rubric: Rubric,
    settings: AnalysisSettings,
    max_bytes: int,
    budget: service.Budget = service.UNLIMITED,
) -> Prepared:
    """Parse (format detected from the content), assign roles, redact, plan, check the budget.

    Raises:
        InputError: not a transcript, too large, empty, binary.
        CandidateNeeded: the candidate can't be determined; carries the speakers to ask about.
        BudgetExceededError: the estimate is over the server's limit.
    """
    choices = service.ReadChoices(
        options.input_format or None, options.candidate or None, options.all_speech, max_bytes
    )
    transcript, roles = service.read(Source(data=data, name=upload_name), choices)
    turns = encode_turns(transcript)
    ready = service.prepare(
        transcript,
        roles,
        source_name=upload_name,
        rubric=rubric,
        settings=settings,
        redaction=service.RedactChoices(options.redact, options.redact_names),
        budget=budget,
    )
    return Prepared(upload_name, options, turns, ready)


#: 2: JSON lines (a header, then one turn a line), so that neither side holds it whole.
_TURNS_VERSION = 2
_BATCH_CHARS = 1 << 16  # compressed and decompressed this much at a time


def encode_turns(transcript: Transcript) -> bytes:
    """The transcript's turns (and what the page shows of the rest), as zlib'd JSON lines:
    a few bytes a word, and read back in a fraction of the time and memory a parse takes.

    Written and read a few turns at a time: the text of a 25 MB transcript never exists
    whole as JSON (as a string, then as bytes: ~40 MB at the peak of a web job, and as
    much again when the report page read it back).
    """
    head = {"v": _TURNS_VERSION, "format": transcript.source_format, "labelled": transcript.has_speaker_labels}
    z = zlib.compressobj(1)
    out = [z.compress(_json(head).encode() + b"\n")]
    batch: list[str] = []
    size = 0
    for turn in transcript.turns:
        row = _json([turn.index, turn.speaker, turn.text, turn.start, turn.end])
        batch.append(row)
        size += len(row)
        if size > _BATCH_CHARS:
            out.append(z.compress(("\n".join(batch) + "\n").encode()))
            batch, size = [], 0
    if batch:
        out.append(z.compress(("\n".join(batch) + "\n").encode()))
    out.append(z.flush())
    return b"".join(out)


def _json(value: object) -> str:
    # No raw newline can be in it: JSON escapes control characters inside strings.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _lines(blob: bytes) -> Iterator[bytes]:
    """The decompressed lines of ``blob``, decompressed a piece at a time."""
    z = zlib.decompressobj()
    rest = b""
    pending = blob
    while pending:
        piece = z.decompress(pending, _BATCH_CHARS)
        pending = z.unconsumed_tail
        *whole, rest = (rest + piece).split(b"\n")
        yield from whole
    rest += z.flush()
    if not z.eof:
        raise zlib.error("the kept turns are truncated")
    if rest:
        yield rest


@dataclass(frozen=True, slots=True)
class KeptTranscript:
    """The turns a job kept (:func:`decode_turns`), for the report page."""

    turns: tuple[Turn, ...]
    source_format: str
    has_speaker_labels: bool

    @property
    def speakers(self) -> list[str]:
        return list(dict.fromkeys(t.speaker for t in self.turns))


def decode_turns(blob: bytes) -> KeptTranscript | None:
    """The transcript :func:`encode_turns` kept (None if it is from another version, or
    damaged: the report page parses the upload again then)."""
    try:
        lines = _lines(blob)
        head = json.loads(next(lines, b"null"))
        if not isinstance(head, dict) or head.get("v") != _TURNS_VERSION:
            return None
        turns = tuple(Turn(*json.loads(line)) for line in lines)
        return KeptTranscript(turns, str(head["format"]), bool(head["labelled"]))
    except (zlib.error, ValueError, TypeError, KeyError):
        return None


def parse_turns(data: bytes, upload_name: str, options: UploadOptions, *, max_bytes: int) -> Transcript | None:
    """The transcript of a stored upload, for the report page (None if it no longer parses)."""
    try:
        return parse_source(
            Source(data=data, name=upload_name), input_format=options.input_format or None, max_bytes=max_bytes
        )
    except InputError:
        return None


async def analyse(
    prepared: Prepared,
    analysis_id: str,
    llm: LLM | None,
    store: WebStore,
    *,
    on_event: EventCallback | None = None,
    on_call: Callable[[dict[str, Any]], None] | None = None,
    on_stats: Callable[[CallStats], None] | None = None,
) -> Report:
    """Run the pipeline (:func:`.service.run`) with the run's LLM stack (cache and trace),
    or the keyword baseline.

    Raises:
        LLMError: a failure every chunk would share (auth, model not found).
    """
    closers: list[Callable[[], None]] = []

    def wrap(inner: LLM) -> LLM:
        fingerprint = prepared.plan.fingerprint
        tracer, close = store.wrap_llm(inner, analysis_id=analysis_id, fingerprint=fingerprint, on_call=on_call)
        closers.append(close)
        if on_stats is not None:
            on_stats(tracer.stats)
        return tracer

    try:
        result = await service.run(prepared.ready, llm, wrap=wrap, on_event=on_event)
    finally:
        for close in closers:
            close()
    return result.report.model_copy(update={"analysis_id": analysis_id})
