"""The evaluation dataset: a folder with ``dataset.jsonl`` and the transcript files.

Each line is one case (the format is a contract; see the README):
``{"id", "transcript", "candidate", "labels": {criterion: bool}, "evidence": {criterion:
[quotes]}, "difficulty"?, "notes"?, "counterfactual_of"?}``. Loading validates everything and
names the line and the field of the first problem.

A case exported from a reviewed analysis (``transcript-judge export-dataset``) also says
so: ``"source": "reviews"``, the ``analysis_id`` it came from, the criteria on which the
reviewer ``disagreements`` with the model, and those labelled with the model's verdict
unreviewed (``unreviewed``). A dataset whose every case is such is scored as agreement
with the reviewers (:attr:`Dataset.label_source`).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError

from ..errors import DatasetError, TranscriptJudgeError
from ..grounding import normalize_text
from ..ingest import read_transcript
from ..rubric import Rubric
from ..transcript import Transcript

__all__ = ["Case", "Dataset", "LabelSource", "load_dataset"]

#: Where a dataset's labels come from: written by hand, a person's review of an analysis
#: (``export-dataset``), or some of each.
LabelSource = Literal["hand", "reviews", "mixed"]


class Case(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    transcript: str = Field(min_length=1, description="Path relative to the dataset folder.")
    candidate: str = Field(min_length=1, description="Speaker label as it appears in the file.")
    labels: dict[str, StrictBool]
    evidence: dict[str, list[str]] = Field(default_factory=dict)
    difficulty: Literal["easy", "medium", "hard"] | None = None
    notes: str | None = None
    counterfactual_of: str | None = None
    #: Which probes the interviewer asked, by probe id, with the interviewer's words that ask
    #: them (a probe not listed wasn't asked). None: the case has no probe labels.
    probes: dict[str, list[str]] | None = None
    probe_notes: str | None = None
    #: "reviews": the labels are a reviewer's verdicts on an analysis (``export-dataset``).
    source: Literal["reviews"] | None = None
    analysis_id: str | None = Field(None, min_length=1, description="The reviewed analysis (source reviews).")
    disagreements: list[str] | None = Field(
        None, description="Criteria where the reviewer's verdict differs from the model's (source reviews)."
    )
    unreviewed: list[str] | None = Field(
        None, description="Criteria labelled with the model's verdict, which nobody reviewed (source reviews)."
    )


class Dataset(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    root: Path
    cases: list[Case]
    transcripts: dict[str, Transcript]
    digest: str = Field(description="sha256 of dataset.jsonl and every transcript file.")
    unreadable: dict[str, str] = Field(
        default_factory=dict,
        description="Cases whose transcript can't be read (id -> why): failed cases, not scored. "
        "Only with fail_fast=False; they have no entry in transcripts.",
    )

    def path_of(self, case: Case) -> Path:
        return self.root / case.transcript

    @property
    def label_source(self) -> LabelSource:
        """Whether the labels are reviewers' verdicts (every case), hand-written (none), or both."""
        reviewed = sum(c.source == "reviews" for c in self.cases)
        return "reviews" if reviewed == len(self.cases) else "hand" if not reviewed else "mixed"

    @property
    def disagreements(self) -> int:
        """Case × criterion labels where the reviewer overruled the model."""
        return sum(len(c.disagreements or ()) for c in self.cases)


def _fail(line: int, field: str, message: str, path: Path) -> DatasetError:
    return DatasetError(f"{path.name} line {line}, field {field!r}: {message}")


def load_dataset(root: str | Path, rubric: Rubric, *, fail_fast: bool = True) -> Dataset:
    """Load and validate a dataset folder.

    Args:
        fail_fast: a transcript that can't be read is a :class:`DatasetError` (the
            default). With ``False`` it is recorded in ``Dataset.unreadable`` instead, and
            the case stays in ``cases`` (without a transcript), so that the evaluation
            runs the others and counts it as a failed case.

    Raises:
        DatasetError: naming the line and the field: unknown criterion ids, a missing
            transcript file, an evidence quote that is not in the candidate's words,
            duplicate ids, a ``counterfactual_of`` pointing nowhere.
    """
    root = Path(root)
    path = root / "dataset.jsonl"
    if not path.is_file():
        raise DatasetError(f"No dataset.jsonl in {root}.", hint="A dataset is a folder holding dataset.jsonl.")
    digest = hashlib.sha256()
    raw = path.read_bytes()
    digest.update(raw)
    cases: list[Case] = []
    transcripts: dict[str, Transcript] = {}
    unreadable: dict[str, str] = {}
    seen: dict[str, int] = {}
    for n, line in enumerate(raw.decode("utf-8", errors="replace").splitlines(), 1):
        if not line.strip():
            continue
        case = _parse_case(n, line, path)
        if case.id in seen:
            raise _fail(n, "id", f"{case.id!r} already used on line {seen[case.id]}", path)
        seen[case.id] = n
        _check_criteria(n, case, rubric, path)
        file = root / case.transcript
        if not file.is_file():
            raise _fail(n, "transcript", f"file {case.transcript!r} does not exist", path)
        digest.update(case.transcript.encode())
        digest.update(file.read_bytes())
        try:
            transcript = read_transcript(file)
        except TranscriptJudgeError as e:
            if fail_fast:
                raise _fail(n, "transcript", f"can't be read: {e.message}", path) from e
            # Its labels can't be checked against a transcript we can't read; the run
            # reports it as a failed case, naming the file and the reason.
            unreadable[case.id] = f"{case.transcript} can't be read: {e.message}"
            cases.append(case)
            continue
        _check_candidate(n, case, transcript, path)
        cases.append(case)
        transcripts[case.id] = transcript
    if not cases:
        raise DatasetError(f"{path} has no cases.")
    _check_counterfactuals(cases, seen, path)
    return Dataset(root=root, cases=cases, transcripts=transcripts, digest=digest.hexdigest(), unreadable=unreadable)


def _parse_case(n: int, line: str, path: Path) -> Case:
    """Line ``n`` as a case, or the error naming its first problem field."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError as e:
        raise _fail(n, "(line)", f"not valid JSON ({e.msg})", path) from e
    try:
        return Case.model_validate(data)
    except ValidationError as e:
        err = e.errors()[0]
        loc = ".".join(str(p) for p in err["loc"]) or "(line)"
        raise _fail(n, loc, err["msg"], path) from e


def _check_criteria(n: int, case: Case, rubric: Rubric, path: Path) -> None:
    """Every criterion the case labels or quotes evidence for is one of the rubric's."""
    known = set(rubric.ids)
    for field in ("labels", "evidence", "disagreements", "unreviewed"):
        unknown = set(getattr(case, field) or ()) - known
        if unknown:
            raise _fail(
                n,
                f"{field}.{sorted(unknown)[0]}",
                f"unknown criterion id (the rubric has: {', '.join(rubric.ids)})",
                path,
            )
    _check_review_fields(n, case, path)


def _check_review_fields(n: int, case: Case, path: Path) -> None:
    """``disagreements`` and ``unreviewed`` only on a case from reviews, naming labelled
    criteria, never the same one in both."""
    for field in ("analysis_id", "disagreements", "unreviewed"):
        if getattr(case, field) is not None and case.source != "reviews":
            raise _fail(n, field, 'only a case with "source": "reviews" has this field', path)
    for field in ("disagreements", "unreviewed"):
        unlabelled = set(getattr(case, field) or ()) - set(case.labels)
        if unlabelled:
            raise _fail(n, f"{field}.{sorted(unlabelled)[0]}", "criterion has no label in this case", path)
    both = set(case.disagreements or ()) & set(case.unreviewed or ())
    if both:
        raise _fail(n, f"unreviewed.{sorted(both)[0]}", "a criterion can't be both disagreed on and unreviewed", path)


def _check_candidate(n: int, case: Case, transcript: Transcript, path: Path) -> None:
    """The labelled candidate speaks in the transcript, and every evidence quote is theirs."""
    if case.candidate not in transcript.speakers:
        raise _fail(
            n,
            "candidate",
            f"{case.candidate!r} is not a speaker in {case.transcript} "
            f"(speakers: {', '.join(transcript.speakers)})",
            path,
        )
    words = normalize_text(" \n ".join(t.text for t in transcript.turns_by(case.candidate)))
    for cid, quotes in case.evidence.items():
        for q in quotes:
            if normalize_text(q) not in words:
                raise _fail(n, f"evidence.{cid}", f"quote {q[:60]!r} is not in the candidate's words", path)


def _check_counterfactuals(cases: list[Case], seen: dict[str, int], path: Path) -> None:
    """Every ``counterfactual_of`` names a case of the dataset."""
    for case in cases:
        if case.counterfactual_of and case.counterfactual_of not in seen:
            raise _fail(seen[case.id], "counterfactual_of", f"no case with id {case.counterfactual_of!r}", path)
