"""The dataset contract's review fields (``source``, ``analysis_id``, ``disagreements``,
``unreviewed``), validated with the line and field named; and the exported transcript
format reading back as the same turns, over the fixtures and the shared corpus."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from transcript_judge.errors import DatasetError, InputError
from transcript_judge.evaluation.dataset import load_dataset
from transcript_judge.evaluation.review_export import _segments
from transcript_judge.ingest import read_transcript
from transcript_judge.rubric import load_rubric

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "transcripts"
TRANSCRIPT = "Interviewer: How do you know it works?\nCandidate: We run a labelled eval set every night.\n"


def _write(tmp_path: Path, **fields: Any) -> Path:
    rubric = load_rubric()
    (tmp_path / "t.txt").write_text(TRANSCRIPT)
    case = {"id": "a1", "transcript": "t.txt", "candidate": "Candidate", "labels": dict.fromkeys(rubric.ids, False)}
    case.update(fields)
    (tmp_path / "dataset.jsonl").write_text(json.dumps(case) + "\n")
    return tmp_path


def test_a_case_from_reviews_loads_and_says_so(tmp_path: Path) -> None:
    root = _write(
        tmp_path,
        source="reviews",
        analysis_id="abc",
        disagreements=["systems_thinking"],
        unreviewed=["model_obsession"],
    )
    dataset = load_dataset(root, load_rubric())
    assert dataset.label_source == "reviews" and dataset.disagreements == 1
    assert load_dataset(_write(tmp_path), load_rubric()).label_source == "hand"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"disagreements": ["systems_thinking"]}, "field 'disagreements': only a case with \"source\": \"reviews\""),
        ({"source": "reviews", "disagreements": ["nope"]}, "field 'disagreements.nope': unknown criterion id"),
        ({"source": "reviews", "unreviewed": "x"}, "field 'unreviewed'"),
        ({"source": "hand"}, "field 'source'"),
        (
            {"source": "reviews", "disagreements": ["systems_thinking"], "unreviewed": ["systems_thinking"]},
            "can't be both disagreed on and unreviewed",
        ),
    ],
)
def test_review_fields_are_validated(tmp_path: Path, fields: dict[str, Any], message: str) -> None:
    with pytest.raises(DatasetError, match="line 1") as info:
        load_dataset(_write(tmp_path, **fields), load_rubric())
    assert message in info.value.message


def test_a_labelled_criterion_is_required_for_a_disagreement(tmp_path: Path) -> None:
    rubric = load_rubric()
    labels = dict.fromkeys(rubric.ids[1:], False)  # the first criterion unlabelled
    root = _write(tmp_path, labels=labels, source="reviews", disagreements=[rubric.ids[0]])
    with pytest.raises(DatasetError, match="criterion has no label in this case"):
        load_dataset(root, rubric)


def _round_trip(path: Path, tmp_path: Path) -> None:
    try:
        original = read_transcript(path)
    except InputError:
        return  # not a transcript: nothing to export
    out = tmp_path / "exported.json"
    out.write_text(_segments(original.turns, lambda text: text, labelled=original.has_speaker_labels))
    again = read_transcript(out)
    assert [(t.speaker, t.text, t.start, t.end) for t in again.turns] == [
        (t.speaker, t.text, t.start, t.end) for t in original.turns
    ], path


def test_the_exported_transcript_reads_back_as_the_same_turns(tmp_path: Path) -> None:
    files = [p for p in (ROOT / "fixtures").rglob("*") if p.is_file()]
    files += [p for p in (ROOT / "evals" / "dev" / "transcripts").iterdir()]
    assert len(files) > 40
    for path in files:
        _round_trip(path, tmp_path)


@pytest.mark.corpus
def test_the_exported_transcript_reads_back_over_the_shared_corpus(tmp_path: Path) -> None:
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not beside this checkout")
    for path in sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name != "MANIFEST.md"):
        _round_trip(path, tmp_path)
