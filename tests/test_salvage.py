"""Salvage: what a small model gets almost right is kept, and every repair is counted.

The sloppy answers here were written before reading salvage.py's code, from what small
models were seen to send (issue 10) and from the shapes JSON-mode servers produce.
"""

from __future__ import annotations

import json

import pytest

from transcript_judge.answer_json import extract_json
from transcript_judge.rubric import load_rubric
from transcript_judge.salvage import accepts, describe_repairs, salvage_answer
from transcript_judge.schema import EVIDENCE_MAX, REASONING_MAX_CHARS

IDS = load_rubric().ids


def good(verdict: str = "not_shown", **over: object) -> dict[str, object]:
    return {"evidence": [], "reasoning": "Nothing here.", "verdict": verdict, "confidence": 0.6, **over}


def full(**over: object) -> dict[str, object]:
    answer: dict[str, object] = {cid: good() for cid in IDS}
    answer.update(over)
    return answer


def test_a_clean_answer_needs_no_repair() -> None:
    s = salvage_answer(json.dumps(full()), IDS)
    assert s.usable and not s.missing and not s.repairs and set(s.assessments) == set(IDS)


@pytest.mark.parametrize(
    ("content", "repair"),
    [
        ("Here is my assessment:\n```json\n" + json.dumps(full()) + "\n```\nHope it helps!", "json_extracted"),
        ("Sure! " + json.dumps(full()) + " Let me know.", "json_extracted"),
        (json.dumps(full())[:-1] + ",}", "json_repaired"),
        (json.dumps(full()).replace("[]", "[ ]").replace("}, ", "},\n// next\n", 1), "json_repaired"),
        (repr(full()), "json_repaired"),  # a Python dict: single quotes
        (json.dumps({"assessment": full()}), "unwrapped"),
        (json.dumps([{"criterion": cid, **good()} for cid in IDS]), "unwrapped"),
        (json.dumps({cid.upper().replace("_", " "): good() for cid in IDS}), "key_normalised"),
    ],
    ids=["fence+prose", "prose", "trailing-comma", "comment", "python-dict", "wrapper", "list", "key-case"],
)
def test_json_is_found_where_small_models_put_it(content: str, repair: str) -> None:
    s = salvage_answer(content, IDS)
    assert set(s.assessments) == set(IDS), s.problems
    assert s.repairs[repair] >= 1


@pytest.mark.parametrize(
    ("raw", "verdict"),
    [("Shown", "shown"), ("SHOWN", "shown"), ("not shown", "not_shown"), ("Not_Shown", "not_shown"),
     ("N/A", "insufficient_evidence"), ("insufficient evidence", "insufficient_evidence"), ("yes", "shown"),
     (True, "shown"), (False, "not_shown"), ("Insufficient.", "insufficient_evidence")],
)  # fmt: skip
def test_verdict_case_and_synonyms(raw: object, verdict: str) -> None:
    s = salvage_answer(json.dumps(full(systems_thinking=good(verdict=raw))), IDS)  # type: ignore[arg-type]
    assert s.assessments["systems_thinking"].verdict == verdict
    if raw != verdict:
        assert s.repairs["verdict_normalised"] == 1


@pytest.mark.parametrize(
    ("raw", "value", "repair"),
    [(85, 0.85, "confidence_scaled"), ("85%", 0.85, "confidence_scaled"), ("0.7", 0.7, None),
     (1.5, 1.0, "confidence_clamped"), (8, 0.8, "confidence_scaled"), (-0.2, 0.0, "confidence_clamped"),
     (250, 1.0, "confidence_clamped"),
     ("high", 0.5, "confidence_defaulted"), (None, 0.5, "confidence_defaulted")],
)  # fmt: skip
def test_confidence_is_scaled_or_defaulted_never_lost(raw: object, value: float, repair: str | None) -> None:
    s = salvage_answer(json.dumps(full(model_obsession=good(confidence=raw))), IDS)
    assert s.assessments["model_obsession"].confidence == pytest.approx(value)
    if repair:
        assert s.repairs[repair] == 1


def test_four_quotes_keep_the_best_grounded_three() -> None:
    quotes = [{"turn": i, "text": f"quote {i}"} for i in range(4)]
    answer = full(systems_thinking=good("shown", evidence=quotes))
    rank = {"quote 0": 90.0, "quote 1": 0.0, "quote 2": 100.0, "quote 3": 95.0}
    s = salvage_answer(json.dumps(answer), IDS, rank_quote=lambda turn, text: rank[text])
    kept = [q.text for q in s.assessments["systems_thinking"].evidence]
    assert kept == ["quote 0", "quote 2", "quote 3"] and len(kept) == EVIDENCE_MAX  # in their order
    assert s.repairs["quotes_trimmed"] == 1


def test_long_reasoning_is_truncated_and_odd_quotes_are_dropped_alone() -> None:
    quotes = [{"turn": "T12", "text": "a real quote"}, {"turn": None, "text": "no turn"}, "just a string"]
    answer = full(failure_diagnosis=good("shown", reasoning="x" * 2000, evidence=quotes, extra="?"))
    s = salvage_answer(json.dumps(answer), IDS)
    a = s.assessments["failure_diagnosis"]
    assert len(a.reasoning) <= REASONING_MAX_CHARS and a.reasoning.endswith("…")
    assert [(q.turn, q.text) for q in a.evidence] == [(12, "a real quote")]
    assert s.repairs["reasoning_truncated"] == 1 and s.repairs["quote_unreadable"] == 2
    assert s.repairs["extra_fields_dropped"] == 1


def test_a_broken_or_missing_criterion_is_missing_alone() -> None:
    answer = full(systems_thinking={"verdict": "maybe"}, hire={"verdict": "strong hire"})
    del answer["probing_questions"]
    s = salvage_answer(json.dumps(answer), IDS)
    assert s.missing == ["systems_thinking", "probing_questions"] or set(s.missing) == {
        "systems_thinking",
        "probing_questions",
    }
    assert len(s.assessments) == len(IDS) - 2
    assert s.repairs["unknown_criteria_dropped"] == 1
    assert any("systems_thinking" in p for p in s.problems)


@pytest.mark.parametrize("content", ["", "I cannot help with that.", "{", "[1, 2, 3]", '{"a": ', "null"])
def test_nothing_usable_is_reported_not_invented(content: str) -> None:
    s = salvage_answer(content, IDS)
    assert not s.usable and set(s.missing) == set(IDS)
    assert not accepts(IDS)(content)


def test_extract_json_reads_the_largest_object_in_prose() -> None:
    text = 'First {"a": 1}, then the answer: {"a": {"b": "x } y"}, "c": 2}. Done.'
    assert extract_json(text) == {"a": {"b": "x } y"}, "c": 2}


def test_repairs_are_described_for_a_reader() -> None:
    line = describe_repairs({"confidence_scaled": 11, "quotes_trimmed": 1})
    assert "percentage" in line and "×11" in line and "best-grounded 3" in line
