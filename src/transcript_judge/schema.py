"""The model's answer for one chunk: one definition, from which everything else is derived.

The pydantic models here are the only description of the answer. The JSON schema sent to
the model (:func:`output_json_schema`), the validator the pipeline uses
(:mod:`transcript_judge.salvage`, which ends in ``Assessment.model_validate``) and the
cache's notion of a usable answer (``ChatRequest.accept``) all come from them, so a
limit can't exist in one and be missing from another.

Evidence and reasoning come before the verdict, so the model commits to quotes first.
Every criterion id is a required property and no other is allowed, so the output is
bounded to the rubric. The length limits are small on purpose: on a CPU every output
token costs about 0.3 s, and a grammar-constrained server enforces them while decoding.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from .rubric import Rubric

__all__ = [
    "COMPACT_EVIDENCE_MAX",
    "COMPACT_QUOTE_MAX_CHARS",
    "COMPACT_REASON_MAX_CHARS",
    "EVIDENCE_MAX",
    "QUOTE_MAX_CHARS",
    "REASONING_MAX_CHARS",
    "VERDICTS",
    "Assessment",
    "ChunkAnswer",
    "CompactAssessment",
    "Confirmation",
    "QuoteRef",
    "Verdict",
    "answer_model",
    "compact_json_schema",
    "confirmation_json_schema",
    "output_json_schema",
]

Verdict = Literal["shown", "not_shown", "insufficient_evidence"]
VERDICTS: tuple[Verdict, ...] = ("shown", "not_shown", "insufficient_evidence")
EVIDENCE_MAX = 3
QUOTE_MAX_CHARS = 300
REASONING_MAX_CHARS = 300
#: ``judge_mode = "compact"``: at most two quotes of about 20 words, and a reason of a few words.
COMPACT_EVIDENCE_MAX = 2
COMPACT_QUOTE_MAX_CHARS = 150
COMPACT_REASON_MAX_CHARS = 40


class QuoteRef(BaseModel):
    model_config = ConfigDict(extra="forbid")

    turn: int = Field(ge=0, description="T-number of the candidate line the quote is from.")
    text: str = Field(
        min_length=1,
        max_length=QUOTE_MAX_CHARS,
        description="The candidate's exact words from that line, copied, one or two sentences.",
    )


class Assessment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    evidence: list[QuoteRef] = Field(
        max_length=EVIDENCE_MAX, description=f"0-{EVIDENCE_MAX} verbatim candidate quotes; required when shown."
    )
    reasoning: str = Field(max_length=REASONING_MAX_CHARS, description="One short sentence: why this verdict.")
    verdict: Verdict = Field(description="shown, not_shown or insufficient_evidence.")
    confidence: float = Field(ge=0.0, le=1.0, description="Probability that the verdict is right, 0 to 1.")


class CompactQuote(BaseModel):
    model_config = ConfigDict(extra="forbid")

    turn: int = Field(ge=0, description="T-number of the candidate line.")
    text: str = Field(min_length=1, max_length=COMPACT_QUOTE_MAX_CHARS, description="Exact candidate words, <= 20.")


# One criterion in a compact answer (judge_mode = "compact"): the verdict first (so "not
# shown" costs an empty list, not a quote), short quotes, a few words: far fewer tokens
# than an Assessment, which on a CPU is the cost. Salvage reads it as an Assessment
# ("quotes" for evidence, "reason" for reasoning), so everything downstream is the same.
# (A comment, not a docstring: a docstring would be sent in the schema.)
class CompactAssessment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    verdict: Verdict = Field(description="shown, not_shown or insufficient_evidence.")
    quotes: list[CompactQuote] = Field(
        max_length=COMPACT_EVIDENCE_MAX, description="Short exact quotes when shown; else []."
    )
    reason: str = Field(max_length=COMPACT_REASON_MAX_CHARS, description="A few words.")
    confidence: float = Field(ge=0.0, le=1.0, description="Probability that the verdict is right, 0 to 1.")


class Confirmation(BaseModel):
    """The answer to one cue-and-confirm question (``judge_mode = "confirm"``): a few tokens,
    which is the point on a CPU-bound local model."""

    model_config = ConfigDict(extra="forbid")

    answer: Literal["yes", "no"] = Field(description="yes if the sentence, in context, shows the criterion.")


def confirmation_json_schema() -> dict[str, Any]:
    """The JSON schema of :class:`Confirmation`, as sent to the model."""
    schema: dict[str, Any] = _strip_titles(Confirmation.model_json_schema())
    return schema


class ChunkAnswer(BaseModel):
    """Base for the rubric-specific answer model built by :func:`answer_model`."""

    model_config = ConfigDict(extra="forbid")

    def assessments(self) -> dict[str, Assessment]:
        return {k: v for k, v in self if isinstance(v, Assessment)}


def answer_model(rubric: Rubric, ids: Sequence[str] | None = None) -> type[ChunkAnswer]:
    """A pydantic model with one required :class:`Assessment` per criterion id.

    ``ids`` narrows it to some criteria (a re-ask for what an answer left out).
    """
    return _answer_model(rubric.name, tuple(ids if ids is not None else rubric.ids))


@lru_cache(maxsize=64)
def _answer_model(name: str, ids: tuple[str, ...]) -> type[ChunkAnswer]:
    fields: dict[str, Any] = {cid: (Assessment, ...) for cid in ids}
    return create_model("ChunkAnswerFor_" + name.replace(" ", "_"), __base__=ChunkAnswer, **fields)


def compact_json_schema(rubric: Rubric, ids: Sequence[str] | None = None) -> dict[str, Any]:
    """The JSON schema of a compact answer: one required :class:`CompactAssessment` per id."""
    return copy.deepcopy(_compact_json_schema(rubric.name, tuple(ids if ids is not None else rubric.ids)))


@lru_cache(maxsize=64)
def _compact_json_schema(name: str, ids: tuple[str, ...]) -> dict[str, Any]:
    fields: dict[str, Any] = {cid: (CompactAssessment, ...) for cid in ids}
    model = create_model("CompactAnswerFor_" + name.replace(" ", "_"), __base__=ChunkAnswer, **fields)
    schema: dict[str, Any] = _strip_titles(model.model_json_schema())
    return schema


def _strip_titles(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _strip_titles(v) for k, v in node.items() if k != "title" or not isinstance(v, str)}
    if isinstance(node, list):
        return [_strip_titles(v) for v in node]
    return node


def output_json_schema(rubric: Rubric, ids: Sequence[str] | None = None) -> dict[str, Any]:
    """The JSON schema of :func:`answer_model`, as sent to the model.

    Derived, never written by hand: ``maxItems``, ``maxLength`` and the confidence range
    are the pydantic limits themselves. (``llm/openai_client.py`` drops the keywords a
    given wire format can't carry; what it drops, salvage repairs.)
    """
    return copy.deepcopy(_output_json_schema(rubric.name, tuple(ids if ids is not None else rubric.ids)))


@lru_cache(maxsize=64)
def _output_json_schema(name: str, ids: tuple[str, ...]) -> dict[str, Any]:
    schema: dict[str, Any] = _strip_titles(_answer_model(name, ids).model_json_schema())
    return schema
