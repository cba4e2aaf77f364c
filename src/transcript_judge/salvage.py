"""Step 6c: make the most of an imperfect answer, and say exactly what was repaired.

A small model's answer is often almost right: a fourth quote, ``"confidence": 85``,
``"Shown"``, a paragraph of reasoning, JSON inside a Markdown fence or a sentence, a
trailing comma. Throwing the whole chunk away for that loses everything the model got
right. :func:`salvage_answer` repairs what has one obvious repair, criterion by
criterion, validates each repaired criterion with the one answer definition
(:class:`~transcript_judge.schema.Assessment`), and reports:

- ``assessments``: the criteria that are usable, exactly as validated;
- ``missing``: the criteria that are absent or beyond repair (re-asked on their own);
- ``repairs``: a count per kind of repair, which the report and the trace carry.

Nothing is invented: a verdict that can't be read, or a criterion that isn't there, is
missing, never guessed. Quotes are still grounded afterwards (``grounding.py``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from .answer_json import AnswerUnreadableError, extract_json
from .schema import EVIDENCE_MAX, QUOTE_MAX_CHARS, REASONING_MAX_CHARS, Assessment, QuoteRef, Verdict

__all__ = ["Salvaged", "salvage_answer"]

#: Ranks a quote (turn, text) for keeping when there are too many: higher is better.
QuoteRanker = Callable[[int, str], float]

REPAIR_LABELS: dict[str, str] = {
    "json_extracted": "JSON taken out of surrounding text or a code fence",
    "json_repaired": "JSON with trailing commas, comments or Python literals repaired",
    "unwrapped": "criteria found under a wrapper key or in a list",
    "key_normalised": "criterion id written differently (case, spaces)",
    "verdict_normalised": "verdict spelled differently (case or synonym)",
    "confidence_scaled": "confidence given as a percentage or on a 0-10 scale, scaled to 0-1",
    "confidence_clamped": "confidence outside 0-1, clamped",
    "confidence_defaulted": "confidence missing or unreadable, set to 0.5",
    "reasoning_truncated": "reasoning over the length limit, truncated",
    "reasoning_defaulted": "reasoning missing, left empty",
    "quotes_trimmed": f"more than {EVIDENCE_MAX} quotes, the best-grounded {EVIDENCE_MAX} kept",
    "quote_truncated": "quote over the length limit, truncated",
    "quote_unreadable": "a quote without a readable turn number or text, dropped",
    "extra_fields_dropped": "fields the answer format doesn't have, ignored",
    "criterion_unusable": "a criterion beyond repair (re-asked)",
    "criterion_missing": "a criterion left out (re-asked)",
    "unknown_criteria_dropped": "keys that are no criterion of the rubric, ignored",
    "confirmation_unreadable": "a yes/no confirmation that said neither (the keyword match was not kept)",
}


@dataclass
class Salvaged:
    assessments: dict[str, Assessment]
    missing: list[str]
    repairs: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)

    @property
    def usable(self) -> bool:
        return bool(self.assessments)


# -- criteria out of JSON ------------------------------------------------------------


def _norm_key(key: str) -> str:
    return re.sub(r"[\s\-]+", "_", key.strip().lower())


def _locate(value: Any, ids: Sequence[str], repairs: Counter[str]) -> dict[str, Any]:
    """The mapping of criterion id -> raw assessment, wherever the answer put it."""
    wanted = {_norm_key(i): i for i in ids}

    def known(d: Mapping[str, Any]) -> int:
        return sum(1 for k in d if isinstance(k, str) and _norm_key(k) in wanted)

    if isinstance(value, dict) and known(value) == 0:
        nested = [v for v in value.values() if isinstance(v, dict | list)]
        for v in nested:
            if isinstance(v, dict) and known(v):
                repairs["unwrapped"] += 1
                value = v
                break
            if isinstance(v, list):
                value = v
                break
    if isinstance(value, list):  # [{"criterion": "systems_thinking", ...}, ...]
        mapped: dict[str, Any] = {}
        for item in value:
            if not isinstance(item, dict):
                continue
            name = next(
                (item[k] for k in ("criterion", "id", "criterion_id", "name") if isinstance(item.get(k), str)), None
            )
            if name is not None:
                mapped[name] = {k: v for k, v in item.items() if k not in ("criterion", "id", "criterion_id", "name")}
        if mapped:
            repairs["unwrapped"] += 1
        value = mapped
    if not isinstance(value, dict):
        return {}
    out: dict[str, Any] = {}
    unknown = 0
    for key, raw in value.items():
        if not isinstance(key, str):
            continue
        if key in wanted.values():
            out[key] = raw
        elif _norm_key(key) in wanted:
            out.setdefault(wanted[_norm_key(key)], raw)
            repairs["key_normalised"] += 1
        else:
            unknown += 1
    if unknown:
        repairs["unknown_criteria_dropped"] += unknown
    return out


_VERDICT_SYNONYMS: dict[str, Verdict] = {
    "shown": "shown",
    "show": "shown",
    "shows": "shown",
    "yes": "shown",
    "true": "shown",
    "present": "shown",
    "demonstrated": "shown",
    "exhibited": "shown",
    "observed": "shown",
    "not_shown": "not_shown",
    "notshown": "not_shown",
    "not_show": "not_shown",
    "no": "not_shown",
    "false": "not_shown",
    "absent": "not_shown",
    "not_present": "not_shown",
    "not_demonstrated": "not_shown",
    "not_observed": "not_shown",
    "insufficient_evidence": "insufficient_evidence",
    "insufficient": "insufficient_evidence",
    "n/a": "insufficient_evidence",
    "na": "insufficient_evidence",
    "n_a": "insufficient_evidence",
    "none": "insufficient_evidence",
    "unknown": "insufficient_evidence",
    "unclear": "insufficient_evidence",
    "not_enough_evidence": "insufficient_evidence",
    "no_evidence": "insufficient_evidence",
    "not_applicable": "insufficient_evidence",
    "inconclusive": "insufficient_evidence",
}


def _verdict(raw: Any, repairs: Counter[str]) -> Verdict | None:
    if isinstance(raw, bool):
        repairs["verdict_normalised"] += 1
        return "shown" if raw else "not_shown"
    if not isinstance(raw, str):
        return None
    if raw in ("shown", "not_shown", "insufficient_evidence"):
        return raw  # type: ignore[return-value]
    key = re.sub(r"[\s\-]+", "_", raw.strip().strip(".!\"'").lower())
    verdict = _VERDICT_SYNONYMS.get(key)
    if verdict is not None:
        repairs["verdict_normalised"] += 1
    return verdict


def _confidence(raw: Any, repairs: Counter[str]) -> float:
    value: float | None = None
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        value = float(raw)
    elif isinstance(raw, str):
        percent = raw.strip().endswith("%")
        try:
            value = float(raw.strip().rstrip("%"))
        except ValueError:
            value = None
        if value is not None and percent:
            repairs["confidence_scaled"] += 1
            value /= 100.0
    if value is None or value != value:  # missing, unreadable or NaN
        repairs["confidence_defaulted"] += 1
        return 0.5
    if 2.0 <= value <= 10.0:  # a 0-10 scale
        repairs["confidence_scaled"] += 1
        value /= 10.0
    elif 10.0 < value <= 100.0:  # a percentage
        repairs["confidence_scaled"] += 1
        value /= 100.0
    if not 0.0 <= value <= 1.0:
        repairs["confidence_clamped"] += 1
        value = min(1.0, max(0.0, value))
    return value


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


_TURN = re.compile(r"\d+")


def _quote(raw: Any) -> tuple[int, str] | None:
    if not isinstance(raw, dict):
        return None
    turn_raw = next((raw[k] for k in ("turn", "t", "line", "T") if k in raw), None)
    text = next((raw[k] for k in ("text", "quote", "words") if isinstance(raw.get(k), str)), None)
    if isinstance(turn_raw, bool) or text is None or not text.strip():
        return None
    if isinstance(turn_raw, int):
        turn = turn_raw
    elif isinstance(turn_raw, float) and turn_raw.is_integer():
        turn = int(turn_raw)
    elif isinstance(turn_raw, str) and (m := _TURN.search(turn_raw)):
        turn = int(m.group(0))
    else:
        return None
    return turn, text.strip()


def _evidence(raw: Any, rank: QuoteRanker | None, repairs: Counter[str]) -> list[QuoteRef]:
    items = raw if isinstance(raw, list) else [raw] if isinstance(raw, dict) else []
    quotes: list[tuple[int, str]] = []
    for item in items:
        q = _quote(item)
        if q is None:
            repairs["quote_unreadable"] += 1
            continue
        quotes.append(q)
    if len(quotes) > EVIDENCE_MAX:
        repairs["quotes_trimmed"] += 1
        if rank is not None:
            order = sorted(range(len(quotes)), key=lambda i: (-rank(*quotes[i]), i))
            quotes = [quotes[i] for i in sorted(order[:EVIDENCE_MAX])]
        else:
            quotes = quotes[:EVIDENCE_MAX]
    out = []
    for turn, text in quotes:
        if len(text) > QUOTE_MAX_CHARS:
            repairs["quote_truncated"] += 1
            text = text[:QUOTE_MAX_CHARS]  # a prefix of a verbatim quote is still verbatim
        out.append(QuoteRef(turn=max(0, turn), text=text))
    return out


_FIELDS = {"evidence", "reasoning", "verdict", "confidence"}


def _assessment(raw: Any, rank: QuoteRanker | None, repairs: Counter[str]) -> Assessment | None:
    if isinstance(raw, str):  # just a verdict
        raw = {"verdict": raw}
    if not isinstance(raw, dict):
        return None
    verdict = _verdict(raw.get("verdict", raw.get("status")), repairs)
    if verdict is None:
        return None
    reasoning = raw.get("reasoning", raw.get("reason", raw.get("rationale")))
    if not isinstance(reasoning, str):
        repairs["reasoning_defaulted"] += 1
        reasoning = ""
    if len(reasoning) > REASONING_MAX_CHARS:
        repairs["reasoning_truncated"] += 1
        reasoning = _clip(reasoning, REASONING_MAX_CHARS)
    if set(raw) - _FIELDS - {"status", "reason", "rationale", "quotes"}:  # a compact answer's names
        repairs["extra_fields_dropped"] += 1
    try:
        return Assessment(
            evidence=_evidence(raw.get("evidence", raw.get("quotes", [])), rank, repairs),
            reasoning=reasoning,
            verdict=verdict,
            confidence=_confidence(raw.get("confidence"), repairs),
        )
    except ValidationError:  # the definition's last word: anything still off is unusable
        return None


def salvage_answer(content: str, ids: Sequence[str], *, rank_quote: QuoteRanker | None = None) -> Salvaged:
    """Everything usable in ``content`` for the criteria ``ids``.

    Args:
        content: the model's answer text.
        ids: the criteria the request asked for.
        rank_quote: scores a quote (turn, text); with more quotes than allowed, the
            best-scoring ones are kept (the pipeline passes a grounding score).

    Example:
        >>> s = salvage_answer('{"a": {"evidence": [], "reasoning": "", "verdict": "Shown", "confidence": 85}}', ["a"])
        >>> s.assessments["a"].verdict, s.assessments["a"].confidence, sorted(s.repairs)
        ('shown', 0.85, ['confidence_scaled', 'verdict_normalised'])
    """
    repairs: Counter[str] = Counter()
    try:
        value = extract_json(content, repairs)
    except AnswerUnreadableError as e:
        return Salvaged({}, list(ids), repairs, [str(e)])
    raw = _locate(value, ids, repairs)
    assessments: dict[str, Assessment] = {}
    missing: list[str] = []
    problems: list[str] = []
    for cid in ids:
        if cid not in raw:
            missing.append(cid)
            repairs["criterion_missing"] += 1
            problems.append(f"{cid}: missing")
            continue
        a = _assessment(raw[cid], rank_quote, repairs)
        if a is None:
            missing.append(cid)
            repairs["criterion_unusable"] += 1
            problems.append(f"{cid}: no readable verdict (shown, not_shown or insufficient_evidence)")
        else:
            assessments[cid] = a
    return Salvaged(assessments, missing, repairs, problems)


def accepts(ids: Sequence[str]) -> Callable[[str], bool]:
    """The cache's test for a usable answer: at least one criterion salvageable."""
    frozen = tuple(ids)

    def accept(content: str) -> bool:
        return salvage_answer(content, frozen).usable

    return accept


def describe_repairs(repairs: Mapping[str, int]) -> str:
    """A reader's line: 'verdict spelled differently (case or synonym) ×2; …'."""
    return "; ".join(
        f"{REPAIR_LABELS.get(k, k)}" + (f" ×{n}" if n > 1 else "") for k, n in sorted(repairs.items()) if n
    )
