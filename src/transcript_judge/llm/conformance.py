"""Does a model's answer conform to the JSON schema its request asked for?

The cache stores only answers the pipeline can use, and it sits at the LLM seam, where
the only description of "usable" is the request's own ``json_schema``. This checks the
subset of JSON Schema that OpenAI's strict structured outputs accept (``type``,
``properties``, ``required``, ``additionalProperties``, ``items``, ``enum``, ``const``,
``anyOf``, local ``$ref``, and the length and range keywords), without a dependency.
It errs on the side of "not usable": a schema keyword it doesn't know fails the check.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["conforms", "parse_json_answer"]

_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
}
_ANNOTATIONS = {"description", "title", "default", "examples", "$defs", "definitions", "$schema", "format"}
_KNOWN = _ANNOTATIONS | {
    "type",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "enum",
    "const",
    "anyOf",
    "$ref",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "minimum",
    "maximum",
}


def parse_json_answer(content: str) -> Any:
    """Parse an answer's JSON, tolerating the Markdown fence JSON-mode servers add.

    Raises:
        ValueError: it isn't JSON.
    """
    text = content.strip()
    if text.startswith("```"):
        text = text.strip("`")
        text = text[text.find("{") :] if "{" in text else text
    return json.loads(text)


def _resolve(ref: str, root: dict[str, Any]) -> dict[str, Any] | None:
    if not ref.startswith("#/"):
        return None
    node: Any = root
    for part in ref[2:].split("/"):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node if isinstance(node, dict) else None


def _type_ok(value: Any, wanted: str | list[str]) -> bool:
    names = [wanted] if isinstance(wanted, str) else wanted
    for name in names:
        types = _TYPES.get(name)
        # bool is an int in Python, but not in JSON
        if types and isinstance(value, types) and not (isinstance(value, bool) and name in ("integer", "number")):
            return True
    return False


def _check(value: Any, schema: dict[str, Any], root: dict[str, Any], depth: int = 0) -> bool:
    if depth > 32 or set(schema) - _KNOWN:
        return False
    if "$ref" in schema:
        target = _resolve(schema["$ref"], root)
        return target is not None and _check(value, target, root, depth + 1)
    if "anyOf" in schema and not any(_check(value, s, root, depth + 1) for s in schema["anyOf"]):
        return False
    if "type" in schema and not _type_ok(value, schema["type"]):
        return False
    if "enum" in schema and value not in schema["enum"]:
        return False
    if "const" in schema and value != schema["const"]:
        return False
    if isinstance(value, str) and not schema.get("minLength", 0) <= len(value) <= schema.get("maxLength", len(value)):
        return False
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    if numeric and not schema.get("minimum", value) <= value <= schema.get("maximum", value):
        return False
    if isinstance(value, list):
        if not schema.get("minItems", 0) <= len(value) <= schema.get("maxItems", len(value)):
            return False
        items = schema.get("items")
        if isinstance(items, dict) and not all(_check(v, items, root, depth + 1) for v in value):
            return False
    if isinstance(value, dict):
        props: dict[str, Any] = schema.get("properties", {})
        if any(name not in value for name in schema.get("required", [])):
            return False
        extra = schema.get("additionalProperties", True)
        for name, item in value.items():
            if name in props:
                if not _check(item, props[name], root, depth + 1):
                    return False
            elif extra is False or (isinstance(extra, dict) and not _check(item, extra, root, depth + 1)):
                return False
    return True


def conforms(value: Any, schema: dict[str, Any]) -> bool:
    """True if ``value`` satisfies ``schema`` (see the module docstring for the subset).

    Example:
        >>> conforms({"a": 1}, {"type": "object", "properties": {"a": {"type": "integer"}},
        ...                     "required": ["a"], "additionalProperties": False})
        True
    """
    return _check(value, schema, schema)
