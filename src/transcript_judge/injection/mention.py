"""Use, not mention: whether words that match a pattern are said or talked about.

An AI-engineer interview quotes attacks all the time ("we red-teamed it with inputs like
'ignore previous instructions'"): a match counts only when it is said, not when it is
quoted after "like", "such as", "a line saying"..., or follows "to", "would", "the model".
"""

from __future__ import annotations

import re

__all__ = ["imperative", "is_mention", "mentioned"]

# Words shortly before "ignore ..." that make it a mention ("the model would sometimes
# ignore ..."), not a command; and words that make it a command again ("I want you to").
_MENTION_BEFORE = re.compile(
    r"\b(?:to|would|will|can|could|might|may|not|never|cannot|can't|won't|don't|doesn't|didn't|it|they|model|"
    r"models|llm|agent|bot|assistant|users?|attackers?|someone|people|like|as|says?|said|saying|typed|tried|wrote|"
    r"writes|phrase|string|text|such|e\.g\.|including|reads?|sometimes|often|always|usually|tells?|told|asks?|asked)\b",
    re.I,
)
_COMMAND_BEFORE = re.compile(r"(?:\byou\s+to|\b(?:please|must|should|now|just|kindly|simply))\s*$", re.I)
_QUOTES = (('"', '"'), ("“", "”"), ("«", "»"), ("「", "」"), ("『", "』"), ("„", "“"))
_FRAME = re.compile(
    r"\b(?:like|such as|e\.g\.?|i\.e\.?|for (?:example|instance)|say|says|said|saying|wrote|writes|written|typed|"
    r"type|phrases?|strings?|payloads?|attacks?|attempts?|examples?|inputs?|lines?|sequences?|tokens?|patterns?|"
    r"messages?|tricks?|literal|called|known as|ended with|contained|containing|included|including|reads|read|"
    r"come|como|comme|wie|tipo|par exemple|por ejemplo|zum beispiel|ad esempio|por exemplo)\b",
    re.I,
)
# After a closing quote, in languages that put "like" after the example (「…」のような, “…”这类).
_FRAME_AFTER = re.compile(
    r"\s*(?:のような|のように|みたいな|という|などの|などと|这类|之类|这样的|一类|等|,? or similar)"
)
_FRAME_RIGHT_BEFORE = re.compile(
    r"\b(?:like|such as|e\.g\.?|for (?:example|instance)|a literal|the (?:string|phrase|token|sequence|words?)|"
    r"saying|says|said)\s*[:,]?\s*(?:\S+\s+){0,2}$",
    re.I,
)


def is_mention(text: str, start: int) -> bool:
    """Whether "ignore ... instructions" at ``start`` is talked about rather than said."""
    before = text[max(0, start - 60) : start].rstrip()
    if not before or before[-1] in ".!?:;,(—–-\n":
        return False  # an imperative at the start of a sentence or clause
    if before[-1] in "\"“'‘«「『" or before.count('"') % 2 == 1 or before.count("“") > before.count("”"):
        return True  # quoted
    if _COMMAND_BEFORE.search(before):
        return False
    return bool(_MENTION_BEFORE.search(" ".join(before.split()[-3:])))


def mentioned(text: str, start: int) -> bool:
    """Whether the words at ``start`` are talked about rather than said: quoted after "like",
    "such as", "a line saying"..., or right after such a frame without quotes."""
    before = text[:start]
    opening = -1
    for open_, close in _QUOTES:
        if (before.count(open_) % 2 == 1) if open_ == close else (before.count(open_) > before.count(close)):
            opening = max(opening, before.rfind(open_))
    single = re.search(r"(?:^|\s)'[^']*$", before)
    if single and "'" in text[start:]:
        opening = max(opening, single.start())
    if opening >= 0:
        frame = " ".join(before[max(0, opening - 60) : opening].split()[-6:])
        closing = re.search("[\"”»」』']", text[start:])
        after = text[start + closing.end() : start + closing.end() + 12] if closing else ""
        return bool(_FRAME.search(frame) or _FRAME_AFTER.match(after))
    return bool(_FRAME_RIGHT_BEFORE.search(before[-50:]))


_IMPERATIVE_BEFORE = re.compile(
    r"(?:^|[.!?:;,(—–\-\n]|\b(?:please|kindly|just|simply|now|so|then|and|also|therefore|thus|hence|"
    r"you (?:must|should|will|need to|have to|are to|can|may)|you're to|i (?:want|need|ask|would like) you to|"
    r"i'd like you to|make sure (?:to|you)|be sure to|remember to|don't forget to|must|should|go ahead and|"
    r"user|human|system|assistant|model|ai|bot|instruction|task|response))\s*:?\s*$",
    re.I,
)


def imperative(text: str, start: int) -> bool:
    before = text[max(0, start - 40) : start]
    return bool(_IMPERATIVE_BEFORE.search(before))

