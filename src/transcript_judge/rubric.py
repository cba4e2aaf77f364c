"""Step 4: the rubric is data. Load and validate a rubric file (TOML or JSON)."""

from __future__ import annotations

import json
import re
import tomllib
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from .errors import RubricError
from .resources import default_rubric_path

__all__ = ["Criterion", "Probe", "Rubric", "load_rubric"]

Kind = Literal["strength", "red_flag"]
_ID = re.compile(r"^[a-z][a-z0-9_]{1,48}$")


def _snake_case(v: str) -> str:
    if not _ID.match(v):
        raise ValueError("must be snake_case: lower-case letters, digits and underscores")
    return v


#: A criterion's or a probe's id.
SnakeId = Annotated[str, AfterValidator(_snake_case)]


class Criterion(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: SnakeId = Field(description="snake_case identifier; the only name the model may answer with")
    kind: Kind
    title: str = Field(min_length=1)
    definition: str = Field(min_length=10)
    counts: list[str] = Field(min_length=1, description="What is evidence for it.")
    does_not_count: list[str] = Field(default_factory=list, description="Near misses.")
    cues: list[str] = Field(default_factory=list, description="Phrases for the lexical baseline.")


class Probe(BaseModel):
    """A question that gives the candidate the chance to show some criteria.

    Without being asked, a candidate may never show a criterion, and "not shown" would say
    nothing: the report tells *not probed* apart from *probed, not shown* by the probes
    found in the interviewer's turns (:mod:`.probes`).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: SnakeId = Field(description="snake_case identifier")
    area: str = Field(min_length=1, description="The interview area it belongs to, as the report names it.")
    questions: list[str] = Field(min_length=1, description="Example wordings; the first is suggested as a follow-up.")
    criteria: list[str] = Field(min_length=1, description="The criteria it gives a chance to show.")
    cues: list[str] = Field(default_factory=list, description="Phrases in an interviewer's turn that ask it.")
    adapt: bool = Field(True, description="Whether a suggested follow-up may name the system the candidate described.")


class Rubric(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    version: str = "1"
    description: str = ""
    criteria: list[Criterion] = Field(min_length=1)
    #: Optional: without probes, the report can't tell "not probed" from "not shown", and says so.
    probes: list[Probe] = Field(default_factory=list)
    #: Pairs of criteria that can't both be shown on the same evidence (a quote can't show
    #: rigorous evaluation and its avoidance): the consistency rules of :mod:`.consistency`.
    exclusive: list[tuple[SnakeId, SnakeId]] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_ids(self) -> Rubric:
        seen: set[str] = set()
        for c in self.criteria:
            if c.id in seen:
                raise ValueError(f"criterion id {c.id!r} appears twice")
            seen.add(c.id)
        probe_ids: set[str] = set()
        for p in self.probes:
            if p.id in probe_ids:
                raise ValueError(f"probe id {p.id!r} appears twice")
            probe_ids.add(p.id)
            unknown = [c for c in p.criteria if c not in seen]
            if unknown:
                raise ValueError(f"probe {p.id!r} names unknown criteria: {', '.join(unknown)}")
        for a, b in self.exclusive:
            unknown = [c for c in (a, b) if c not in seen]
            if unknown:
                raise ValueError(f"exclusive pair ({a}, {b}) names unknown criteria: {', '.join(unknown)}")
            if a == b:
                raise ValueError(f"exclusive pair ({a}, {b}) names one criterion twice")
        return self

    @property
    def probe_ids(self) -> tuple[str, ...]:
        return tuple(p.id for p in self.probes)

    def probes_for(self, criterion_id: str) -> list[Probe]:
        """The probes that give the candidate a chance to show ``criterion_id``."""
        return [p for p in self.probes if criterion_id in p.criteria]

    @cached_property
    def ids(self) -> list[str]:
        return [c.id for c in self.criteria]

    def get(self, criterion_id: str) -> Criterion:
        for c in self.criteria:
            if c.id == criterion_id:
                return c
        raise KeyError(criterion_id)

    @property
    def strengths(self) -> list[Criterion]:
        return [c for c in self.criteria if c.kind == "strength"]

    @property
    def red_flags(self) -> list[Criterion]:
        return [c for c in self.criteria if c.kind == "red_flag"]

    def canonical_json(self) -> str:
        return json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)


def _field_path(loc: tuple[int | str, ...], data: object) -> str:
    parts: list[str] = []
    node = data
    for item in loc:
        if isinstance(item, int):
            cid = node[item].get("id") if isinstance(node, list) and isinstance(node[item], dict) else None
            parts.append(f"[{item}]" + (f" (id {cid!r})" if cid else ""))
            node = node[item] if isinstance(node, list) and item < len(node) else None
        else:
            parts.append(("." if parts else "") + item)
            node = node.get(item) if isinstance(node, dict) else None
    return "".join(parts)


def load_rubric(path: str | Path | None = None) -> Rubric:
    """Load a rubric; the default is the AI-architect rubric in ``prompts/rubrics/``.

    Raises:
        RubricError: the file is missing, not TOML/JSON, or a field is wrong. The
            message names the field, e.g. ``criteria[2] (id 'x').kind``.
    """
    p = Path(path) if path else default_rubric_path()
    try:
        raw = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise RubricError(f"Can't read rubric {p}: {e}") from e
    try:
        data = json.loads(raw) if p.suffix.lower() == ".json" else tomllib.loads(raw)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as e:
        raise RubricError(f"Rubric {p.name} is not valid {p.suffix.lstrip('.').upper() or 'TOML'}: {e}") from e
    try:
        return Rubric.model_validate(data)
    except ValidationError as e:
        first = e.errors()[0]
        where = _field_path(tuple(first["loc"]), data) or "(top level)"
        more = f" (and {e.error_count() - 1} more problems)" if e.error_count() > 1 else ""
        raise RubricError(
            f"Rubric {p.name}: field {where}: {first['msg']}{more}.",
            hint="See prompts/rubrics/ai_architect.toml for the expected fields.",
        ) from e
