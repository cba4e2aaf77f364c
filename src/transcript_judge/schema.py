"""The model's answer for one chunk: its JSON schema (part of the prompt) and its validator.

Evidence and reasoning come before the verdict, so the model commits to quotes first.
The schema is built from the rubric: every criterion id is a required property and no
other is allowed, so the output is bounded to the rubric.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from .rubric import Rubric

__all__ = [
    "Assessment",
    "ChunkAnswer",
    "QuoteRef",
    "Verdict",
    "answer_model",
    "output_json_schema",
    "validate_answer",
]

Verdict = Literal["shown", "not_shown", "insufficient_evidence"]
VERDICTS: tuple[Verdict, ...] = ("shown", "not_shown", "insufficient_evidence")


class QuoteRef(BaseModel):
    model_config = ConfigDict(extra="forbid")

    turn: int = Field(description="The T-number of the candidate turn the quote is from.")
    text: str = Field(
        min_length=1,
        max_length=600,
        description="Verbatim words of the candidate from that turn, copied exactly.",
    )


class Assessment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    evidence: list[QuoteRef] = Field(max_length=3, description="0-3 verbatim candidate quotes; required when shown.")
    reasoning: str = Field(max_length=600, description="One sentence: why this verdict.")
    verdict: Verdict
    confidence: float = Field(ge=0.0, le=1.0, description="0 to 1.")


class ChunkAnswer(BaseModel):
    """Base for the rubric-specific answer model built by :func:`answer_model`."""

    model_config = ConfigDict(extra="forbid")

    def assessments(self) -> dict[str, Assessment]:
        return {k: v for k, v in self if isinstance(v, Assessment)}


def answer_model(rubric: Rubric) -> type[ChunkAnswer]:
    """A pydantic model with one required :class:`Assessment` per criterion id (one class per rubric)."""
    return _answer_model(rubric.name, tuple(rubric.ids))


@lru_cache(maxsize=64)
def _answer_model(name: str, ids: tuple[str, ...]) -> type[ChunkAnswer]:
    fields: dict[str, Any] = {cid: (Assessment, ...) for cid in ids}
    return create_model("ChunkAnswerFor_" + name.replace(" ", "_"), __base__=ChunkAnswer, **fields)


def _assessment_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "evidence": {
                "type": "array",
                "description": "0-3 verbatim quotes of the candidate, each from one turn.",
                "items": {
                    "type": "object",
                    "properties": {
                        "turn": {"type": "integer", "description": "T-number of the turn."},
                        "text": {"type": "string", "description": "Exact words, copied."},
                    },
                    "required": ["turn", "text"],
                    "additionalProperties": False,
                },
            },
            "reasoning": {"type": "string", "description": "One sentence: why this verdict."},
            "verdict": {"type": "string", "enum": list(VERDICTS)},
            "confidence": {"type": "number", "description": "0 to 1."},
        },
        "required": ["evidence", "reasoning", "verdict", "confidence"],
        "additionalProperties": False,
    }


def output_json_schema(rubric: Rubric) -> dict[str, Any]:
    """A JSON schema that OpenAI's strict structured outputs accept (no unsupported keywords)."""
    return {
        "type": "object",
        "properties": {cid: {"$ref": "#/$defs/assessment"} for cid in rubric.ids},
        "required": list(rubric.ids),
        "additionalProperties": False,
        "$defs": {"assessment": _assessment_schema()},
    }


def validate_answer(model: type[ChunkAnswer], content: str) -> ChunkAnswer:
    """Parse and validate the model's JSON; raises :class:`pydantic.ValidationError`.

    Tolerates a Markdown code fence around the JSON, which JSON-mode servers add.
    """
    text = content.strip()
    if text.startswith("```"):
        text = text.strip("`")
        text = text[text.find("{") :] if "{" in text else text
    return model.model_validate_json(text)


def short_errors(error: ValidationError, limit: int = 8) -> str:
    """A compact description of validation errors, to feed back to the model."""
    lines = []
    for err in error.errors()[:limit]:
        loc = ".".join(str(p) for p in err["loc"]) or "(root)"
        lines.append(f"- {loc}: {err['msg']}")
    if error.error_count() > limit:
        lines.append(f"- ... and {error.error_count() - limit} more")
    return "\n".join(lines)
