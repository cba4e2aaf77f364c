"""Reviewed analyses as an evaluation dataset, in the harness's own contract
(:mod:`.dataset`): ``transcript-judge export-dataset``.

One case per analysis, its id the analysis id:

- ``transcripts/<id>.json``: the transcript as the analysis read it, as diarized JSON
  segments (speaker, start, end, text), which the whisper-json reader parses back into
  the same turns;
- ``labels``: the reviewer's verdicts, as the harness's booleans (shown or not): where the
  reviewer agreed, the model's verdict; where they disagreed, theirs;
- ``evidence``: the quotes of the shown findings the reviewer agreed with (a quote that is
  no longer in the candidate's words after redaction is left out, and said so);
- ``source: "reviews"``, ``analysis_id``, ``disagreements`` (criteria where the reviewer
  overruled the model) and ``unreviewed``; ``notes``: who reviewed it, when, and their notes.

A finding nobody reviewed stops the export unless ``accept_unreviewed``: then it takes the
model's verdict and is listed in ``unreviewed``. An analysis whose transcript isn't in the
store (run from the command line) can't be exported: the error names it.

With redaction, the transcripts, the speaker labels (with names), the quotes and the notes
are redacted with one :class:`~transcript_judge.redaction.Redactor` per case, so a quote's
placeholders are the transcript's. A ``gate.toml`` with the default thresholds is written
beside ``dataset.jsonl``, so ``eval --dataset DIR`` runs from anywhere.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ReviewError, TranscriptJudgeError
from ..grounding import normalize_text
from ..history import History
from ..ingest import DEFAULT_MAX_BYTES, Source, parse_source
from ..intake import ReadChoices, attribute
from ..redaction import Redactor, speaker_names
from ..report.model import Report
from ..review import Review, verdict_words
from ..rubric import Rubric
from ..service import NOT_REDACTED, RedactChoices
from ..store import Store, private_dir, write_private_text
from ..store.reviews import Reviews
from ..transcript import Transcript, Turn
from .baseline import GateConfig
from .dataset import Case, load_dataset

__all__ = ["ExportChoices", "Exported", "export_reviews", "stored_transcript"]


@dataclass(frozen=True)
class ExportChoices:
    """How to export: redaction, and what to do with findings nobody reviewed."""

    redaction: RedactChoices = NOT_REDACTED
    accept_unreviewed: bool = False


@dataclass
class Exported:
    """What was written, and what the user should know about it."""

    root: Path
    cases: list[Case]
    warnings: list[str] = field(default_factory=list)
    #: Cases whose candidate eval's role inference wouldn't find by itself: run eval with
    #: --use-labelled-candidate, or these cases measure role inference too.
    candidate_not_inferred: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Reviewed:
    analysis_id: str
    report: Report
    review: Review
    transcript: Transcript


def stored_transcript(store: Store, analysis_id: str, options: dict[str, object]) -> Transcript | None:
    """The transcript a web analysis read: its stored upload, parsed as its job parsed it
    (None for an analysis run from the command line, whose transcript isn't stored)."""
    rows = store.query("SELECT upload_name FROM web_uploads WHERE analysis_id = ?", (analysis_id,))
    data = store.read_blob("web_blobs", "data", "analysis_id = ? AND kind = 'upload'", (analysis_id,))
    if not rows or data is None:
        return None
    fmt = options.get("input_format")
    source = Source(data=data, name=str(rows[0]["upload_name"]))
    return parse_source(
        source, input_format=str(fmt) if fmt else None, max_bytes=max(DEFAULT_MAX_BYTES, len(data))
    )


def _load(store: Store, ids: Sequence[str], choices: ExportChoices) -> list[_Reviewed]:
    """Every analysis with its report, review and transcript.

    Raises:
        ReviewError: naming every analysis that has no report, no review, unreviewed
            findings (without ``accept_unreviewed``) or no stored transcript.
    """
    history, reviews = History(store), Reviews(store)
    loaded: list[_Reviewed] = []
    problems: list[str] = []
    for analysis_id in ids:
        record = history.find(analysis_id)
        report = history.report(analysis_id) if record is not None else None
        if report is None:
            problems.append(f"{analysis_id}: no report")
            continue
        review = reviews.get(analysis_id)
        missing = review.unreviewed(report)
        if not review.findings:
            problems.append(f"{analysis_id}: not reviewed")
            continue
        if missing and not choices.accept_unreviewed:
            problems.append(f"{analysis_id}: {len(missing)} finding(s) not reviewed ({', '.join(missing)})")
        assert not isinstance(record, list) and record is not None  # an exact id from the caller
        try:
            transcript = stored_transcript(store, analysis_id, record.options)
        except TranscriptJudgeError as e:
            problems.append(f"{analysis_id}: the stored transcript can't be read ({e.message})")
            continue
        if transcript is None:
            problems.append(f"{analysis_id}: its transcript isn't in the store (it was run from the command line)")
            continue
        loaded.append(_Reviewed(analysis_id, report, review, transcript))
    if problems:
        raise ReviewError(
            "Can't export: " + "; ".join(problems) + ".",
            hint="Review every finding (`transcript-judge review ID`), or pass --accept-unreviewed to label "
            "unreviewed findings with the model's verdict; leave out analyses without a stored transcript "
            "(only web uploads keep theirs) with --ids.",
        )
    return loaded


def _redactor(transcript: Transcript, redaction: RedactChoices) -> Callable[[str], str]:
    if not redaction.wanted:
        return lambda text: text
    names = [*(speaker_names(transcript) if redaction.names else []), *redaction.extra]
    return Redactor(names).redact


def _segments(turns: Sequence[Turn], red: Callable[[str], str], *, labelled: bool = True) -> str:
    """The turns as diarized JSON segments. Text is HTML-escaped: the reader unescapes
    entities and strips markup, so a literal ``<`` or ``&`` comes back as written.

    Speech without speaker labels is written without them, so the reader cuts it into the
    same sentence turns again (cutting is idempotent); with a label, consecutive turns of
    one speaker would be merged into one."""
    segments = [
        {**({"speaker": red(t.speaker)} if labelled else {}), "start": t.start, "end": t.end,
         "text": html.escape(red(t.text), quote=False)}
        for t in turns
    ]
    return json.dumps({"segments": segments}, ensure_ascii=False, indent=1) + "\n"


def _notes(item: _Reviewed, unreviewed: list[str]) -> str:
    """Who reviewed the analysis, when, and what they wrote."""
    review, report = item.review, item.report
    last = max(r.reviewed_at for r in review.findings.values())
    parts = [
        f"Exported from analysis {item.analysis_id} ({report.source_name}), reviewed by "
        f"{', '.join(review.reviewers())} (last on {last:%Y-%m-%d})"
    ]
    if review.overall is not None:
        parts.append(f"Overall: {review.overall.note}")
    for f in report.findings:
        r = review.of(f)
        if r is not None and r.decision == "disagree" and r.verdict is not None:
            said = f"model {verdict_words(f.verdict)}, reviewer {verdict_words(r.verdict)}"
            parts.append(f"{f.criterion_id} (disagreed: {said})" + (f": {r.note}" if r.note else ""))
        elif r is not None and r.note:
            parts.append(f"{f.criterion_id}: {r.note}")
    if unreviewed:
        parts.append(f"Not reviewed, labelled with the model's verdict: {', '.join(unreviewed)}")
    return ". ".join(parts)


def _case(item: _Reviewed, redaction: RedactChoices, warnings: list[str]) -> tuple[Case, str, Transcript]:
    """The case, its transcript file's text, and the transcript as written (for checks)."""
    red = _redactor(item.transcript, redaction)
    turns = tuple(Turn(t.index, red(t.speaker), red(t.text), t.start, t.end) for t in item.transcript.turns)
    written = item.transcript.model_copy(update={"turns": turns})
    candidate = red(item.report.roles.candidate)
    words = normalize_text(" \n ".join(t.text for t in written.turns_by(candidate)))
    labels: dict[str, bool] = {}
    evidence: dict[str, list[str]] = {}
    disagreements: list[str] = []
    unreviewed: list[str] = []
    for f in item.report.findings:
        r = item.review.of(f)
        verdict = f.verdict if r is None else r.label(f.verdict)
        labels[f.criterion_id] = verdict == "shown"
        if r is None:
            unreviewed.append(f.criterion_id)
        elif r.decision == "disagree":
            disagreements.append(f.criterion_id)
        elif verdict == "shown":
            kept = [red(q.text) for q in f.quotes if normalize_text(red(q.text)) in words]
            if len(kept) < len(f.quotes):
                warnings.append(
                    f"{item.analysis_id}: {len(f.quotes) - len(kept)} quote(s) of {f.criterion_id} left out of "
                    "the evidence (not found in the candidate's words as exported)"
                )
            if kept:
                evidence[f.criterion_id] = kept
    case = Case(
        id=item.analysis_id,
        transcript=f"transcripts/{item.analysis_id}.json",
        candidate=candidate,
        labels=labels,
        evidence=evidence,
        notes=red(_notes(item, unreviewed)),
        source="reviews",
        analysis_id=item.analysis_id,
        disagreements=disagreements,
        unreviewed=unreviewed,
    )
    return case, _segments(item.transcript.turns, red, labelled=item.transcript.has_speaker_labels), written


def _gate_toml() -> str:
    lines = [
        "# Thresholds for `transcript-judge eval --dataset` on this export: the tool's defaults.",
        "# The labels are reviewers' verdicts, so the scores are agreement with the reviewers.",
        "[gate]",
    ]
    for name, value in GateConfig().model_dump().items():
        lines.append(f"{name} = {str(value).lower() if isinstance(value, bool) else value}")
    return "\n".join(lines) + "\n"


def _check_rubric(items: Sequence[_Reviewed], rubric: Rubric) -> None:
    """Every report's criteria are the rubric's (eval scores against it)."""
    known = set(rubric.ids)
    odd = [
        f"{i.analysis_id} ({i.report.rubric_name} v{i.report.rubric_version})"
        for i in items
        if {f.criterion_id for f in i.report.findings} - known
    ]
    if odd:
        raise ReviewError(
            f"Analyses judged with another rubric than {rubric.name!r}: {', '.join(odd)}.",
            hint="Pass that rubric's file with --rubric (and to eval), or export them separately.",
        )


def export_reviews(
    store: Store, ids: Sequence[str], out: Path, rubric: Rubric, choices: ExportChoices = ExportChoices()
) -> Exported:
    """Write the analyses ``ids`` (exact ids, each reviewed) as a dataset in ``out``, and
    load it back as ``eval`` will (so a malformed export fails here, not there).

    Raises:
        ReviewError: as :func:`_load`; a report from another rubric.
        OSError: ``out`` can't be written.
    """
    items = _load(store, ids, choices)
    _check_rubric(items, rubric)
    exported = Exported(root=out, cases=[])
    private_dir(out, tighten=False)  # a folder the user chose: only created 0700
    private_dir(out / "transcripts")
    lines: list[str] = []
    for item in items:
        case, text, written = _case(item, choices.redaction, exported.warnings)
        write_private_text(out / case.transcript, text)
        lines.append(json.dumps(case.model_dump(exclude_none=True), ensure_ascii=False))
        exported.cases.append(case)
        try:
            inferred = attribute(written, ReadChoices()).candidate
        except TranscriptJudgeError:
            inferred = None
        if inferred != case.candidate:
            exported.candidate_not_inferred.append(case.id)
    write_private_text(out / "dataset.jsonl", "\n".join(lines) + "\n")
    write_private_text(out / "gate.toml", _gate_toml())
    load_dataset(out, rubric)
    return exported
