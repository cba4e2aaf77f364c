"""An upload through the pipeline: parse, roles, redaction, plan; then the run itself.

The same steps as ``transcript-judge analyse``, from bytes instead of a path. Parsing
and planning are quick and pure, so they happen when the upload arrives (a problem is
reported on the spot); the run happens later, in a background job.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..analysis import AnalysisSettings, EventCallback, Plan, plan_analysis, run_analysis
from ..errors import InputError, NoCandidateError, RubricError
from ..ingest import Source, parse_source
from ..llm.base import LLM
from ..redaction import Redaction, redact_transcript, restore_report, speaker_names
from ..report.model import Report
from ..resources import default_rubric_path, prompts_dir
from ..roles import RoleAssignment, assign_roles, is_bot
from ..rubric import Rubric, load_rubric
from ..trace import CallStats
from ..transcript import Transcript
from .storage import WebStore

__all__ = [
    "CandidateNeeded",
    "Prepared",
    "RubricCatalogue",
    "RubricChoice",
    "UploadOptions",
    "analyse",
    "prepare",
]


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


class CandidateNeeded(NoCandidateError):
    """The candidate can't be told safely: the page asks which speaker it is."""

    def __init__(self, message: str, *, hint: str | None, speakers: list[str], labelled: bool) -> None:
        super().__init__(message, hint=hint)
        self.speakers = speakers
        self.labelled = labelled


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
    """An upload parsed and planned: ready to run."""

    upload_name: str
    data: bytes
    options: UploadOptions
    original: Transcript
    roles: RoleAssignment
    redaction: Redaction | None
    plan: Plan

    @property
    def model_label(self) -> str:
        s = self.plan.settings
        return s.model if s.tagger == "llm" else "lexical-baseline"


def _speakers(transcript: Transcript) -> list[str]:
    return [s for s in transcript.speakers if not is_bot(s)]


def prepare(
    data: bytes,
    upload_name: str,
    options: UploadOptions,
    *,
    rubric: Rubric,
    settings: AnalysisSettings,
    max_bytes: int,
) -> Prepared:
    """Parse (format detected from the content), assign roles, redact, plan.

    Raises:
        InputError: not a transcript, too large, empty, binary.
        CandidateNeeded: the candidate can't be determined; carries the speakers to ask about.
    """
    transcript = parse_source(
        Source(data=data, name=upload_name), input_format=options.input_format or None, max_bytes=max_bytes
    )
    try:
        roles = assign_roles(
            transcript, candidate=options.candidate or None, all_speech_is_candidate=options.all_speech
        )
    except NoCandidateError as e:
        raise CandidateNeeded(
            e.message, hint=e.hint, speakers=_speakers(transcript), labelled=transcript.has_speaker_labels
        ) from e
    work, redaction = transcript, None
    if options.redact or options.redact_names:
        work, redaction = redact_transcript(transcript, names=speaker_names(transcript) if options.redact_names else [])
    plan = plan_analysis(work, roles, rubric, settings)
    return Prepared(upload_name, data, options, transcript, roles, redaction, plan)


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
    """Run the pipeline with the run's LLM stack (cache and trace), or the keyword baseline.

    Raises:
        LLMError: a failure every chunk would share (auth, model not found).
    """
    plan = prepared.plan
    stack: LLM | None = None
    close: Callable[[], None] | None = None
    if llm is not None and plan.settings.tagger == "llm":
        tracer, close = store.wrap_llm(llm, analysis_id=analysis_id, fingerprint=plan.fingerprint, on_call=on_call)
        if on_stats is not None:
            on_stats(tracer.stats)
        stack = tracer
    try:
        result = await run_analysis(plan, stack, source_name=prepared.upload_name, on_event=on_event)
    finally:
        if close is not None:
            close()
    report = result.report
    if prepared.redaction is not None:
        report = restore_report(report, prepared.redaction)
    return report.model_copy(update={"analysis_id": analysis_id})
