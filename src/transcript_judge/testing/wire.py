"""A request's subject read back from its wire text: the one place that parses the prompt.

A fake behind a real HTTP mock (respx, a simulated server) gets the JSON body the client
sent, not the :class:`~transcript_judge.llm.base.ChatRequest`, so it has no
:attr:`~transcript_judge.llm.base.ChatRequest.subject` to read. This rebuilds one from the
rendered lines (``[T12] CANDIDATE: words``). A fake that gets the request itself (a
:class:`~transcript_judge.llm.fake.FakeLLM` responder) reads ``request.subject``
instead, and a template change breaks only this module (its round-trip test says so).

What the wire doesn't carry stays empty: ``start`` (the prompt shows no times) and the
confirm question.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from ..llm.subject import JudgedChunk, JudgedLine, Role

__all__ = ["subject_from_messages"]

_LINE = re.compile(r"^\[(T(\d+)[^\]]*)\] (CONTEXT )?([A-Z][A-Z0-9 ]*?): (.*)$", re.M)
_PART = re.compile(r"\(part (\d+) of (\d+)\)")


def _role(speaker: str) -> Role:
    if speaker == "CANDIDATE":
        return "candidate"
    return "interviewer" if speaker.startswith("INTERVIEWER") else "other"


def subject_from_messages(messages: Iterable[Mapping[str, str]], criteria: Iterable[str] = ()) -> JudgedChunk:
    """The subject of a judge (or confirm) request, from its messages as sent: the first
    user message holds the transcript (a re-ask appends to the conversation).
    ``criteria`` are the ids asked for, when the caller has them (the request's schema)."""
    user = next((m["content"] for m in messages if m.get("role") == "user"), "")
    part = _PART.search(user)
    lines = tuple(
        JudgedLine(
            turn=int(m.group(2)),
            label=m.group(1),
            role=_role(m.group(4)),
            speaker=m.group(4),
            text=m.group(5),
            context=bool(m.group(3)),
        )
        for m in _LINE.finditer(user)
    )
    return JudgedChunk(
        index=int(part.group(1)) - 1 if part else 0,
        total=int(part.group(2)) if part else 1,
        lines=lines,
        criteria=tuple(criteria),
    )
