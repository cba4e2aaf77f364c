"""The JSON value in a model's answer: as is, in a Markdown fence, or in a sentence.

Small models and JSON-mode servers wrap their JSON in prose or a fence, leave trailing
commas and ``//`` comments, or answer with a Python dict. Both readers of an answer use
this: :mod:`.salvage` (a judgement) and :mod:`.confirm` (a yes/no confirmation). What was
repaired is counted under the repair kinds of :data:`.salvage.REPAIR_LABELS`
(``json_extracted``, ``json_repaired``).
"""

from __future__ import annotations

import ast
import json
import re
from collections import Counter
from typing import Any

__all__ = ["AnswerUnreadableError", "extract_json"]


class AnswerUnreadableError(ValueError):
    """No JSON object could be found in the answer at all."""


_FENCE = re.compile(r"```(?:json|JSON)?\s*(.*?)```", re.S)
_TRAILING_COMMA = re.compile(r",(\s*[}\]])")
_LINE_COMMENT = re.compile(r"^\s*//.*$", re.M)


def _balanced_objects(text: str) -> list[str]:
    """Every top-level ``{...}`` span, respecting strings (so braces in quotes don't count)."""
    spans, depth, start, in_str, esc, quote = [], 0, -1, False, False, ""
    for i, ch in enumerate(text):
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == quote:
                in_str = False
            continue
        if ch in "\"'" and depth > 0:
            in_str, quote = True, ch
        elif ch == "{":
            if depth == 0:
                start = i
            depth += 1
        elif ch == "}" and depth > 0:
            depth -= 1
            if depth == 0:
                spans.append(text[start : i + 1])
    return spans


def _loads_lenient(text: str) -> tuple[Any, bool]:
    """(value, repaired). Raises ValueError when nothing works."""
    try:
        return json.loads(text), False
    except (ValueError, RecursionError):
        pass
    fixed = _TRAILING_COMMA.sub(r"\1", _LINE_COMMENT.sub("", text))
    try:
        return json.loads(fixed), True
    except (ValueError, RecursionError):
        pass
    try:  # a Python-dict answer: single quotes, True/False/None. literal_eval runs no code.
        value = ast.literal_eval(fixed)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        raise ValueError("not JSON") from None
    if isinstance(value, dict | list):
        return value, True
    raise ValueError("not a JSON object")


def extract_json(content: str, repairs: Counter[str] | None = None) -> Any:
    """The answer's JSON value, found in prose, a fence, or as is.

    Raises:
        AnswerUnreadableError: there is no JSON object in it.
    """
    repairs = repairs if repairs is not None else Counter()
    text = content.strip()
    try:
        value, repaired = _loads_lenient(text)
    except ValueError:
        pass
    else:
        if repaired:
            repairs["json_repaired"] += 1
        return value
    candidates = [m.group(1) for m in _FENCE.finditer(text)] + _balanced_objects(text)
    for candidate in sorted(candidates, key=len, reverse=True):
        try:
            value, repaired = _loads_lenient(candidate.strip())
        except ValueError:
            continue
        if isinstance(value, dict):
            repairs["json_extracted"] += 1
            if repaired:
                repairs["json_repaired"] += 1
            return value
    raise AnswerUnreadableError("no JSON object could be read from the answer")
