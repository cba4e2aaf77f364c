"""``--redact``: personal details become placeholders before any text leaves the machine.

Emails, phone numbers and URLs (and, with ``--redact-names``, the names in the speaker
labels plus any ``--redact-name``) are replaced in every turn's text with deterministic
placeholders such as ``[EMAIL_1]``, ``[PHONE_1]``, ``[URL_1]``, ``[NAME_1]``: numbered
by first appearance, the same text always getting the same placeholder. Redaction runs
before planning, so prompts, cache keys and traces only ever see redacted text, and a
re-run of a redacted analysis hits the cache.

Grounding happens on the redacted text; :func:`restore_report` then maps placeholders in
quotes, rationales and warnings back to the original words, locally, for the report.
Each placeholder stands for exactly one original string, so the mapping is exact.

Speaker labels themselves are never sent (prompts name speakers by role), so they are
left as they are.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from .report.model import Finding, FollowUp, InterviewCoverage, Quote, Report, Warning
from .transcript import Transcript

__all__ = ["Redaction", "Redactor", "redact_transcript", "restore_report", "restore_text", "speaker_names"]

_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"'()\[\]{}]+", re.I)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}\b", re.I)
# +1 415 555 0199, (415) 555-0199, 415.555.0199, +44 20 7946 0958, 07700 900123
_PHONE = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?)?\d{2,8}(?:[\s.-]\d{2,8}){1,4}(?![\w-])"
    r"|(?<![\w+])\+\d{7,15}\b"
)
_DATE = re.compile(r"^\d{4}[-./]\d{1,2}[-./]\d{1,2}$|^\d{1,2}[-./]\d{1,2}[-./]\d{2,4}$")
_PLACEHOLDER = re.compile(r"\[?\b(EMAIL|PHONE|URL|NAME)_(\d+)\b\]?")
_TRAILING = ".,;:!?)"
# Labels that name a role, not a person.
_NOT_NAMES = {
    "interviewer", "candidate", "interviewee", "applicant", "speaker", "host", "panelist", "panel",
    "guest", "moderator", "unknown", "q", "a", "me", "you", "dr", "mr", "mrs", "ms", "prof", "the",
}  # fmt: skip

KINDS = ("EMAIL", "PHONE", "URL", "NAME")


def _is_phone(text: str) -> bool:
    digits = sum(ch.isdigit() for ch in text)
    return 7 <= digits <= 15 and not _DATE.match(text)


def _name_like(word: str) -> bool:
    # not a role ("Interviewer"), a number ("Speaker 2"), pronouns ("he/him") or an initial
    return len(word) > 1 and word.casefold() not in _NOT_NAMES and not any(c.isdigit() or c == "/" for c in word)


def speaker_names(transcript: Transcript) -> list[str]:
    """Names in the speaker labels: "Maya Chen" gives "Maya Chen", "Maya" and "Chen"."""
    names: list[str] = []
    for label in transcript.speakers:
        words = [w.strip(".,") for w in re.sub(r"[()\[\]{}:]", " ", label).split()]
        words = [w for w in words if _name_like(w)]
        if not words:
            continue
        if len(words) > 1:
            names.append(" ".join(words))
        names.extend(words)
    return list(dict.fromkeys(names))


@dataclass
class Redaction:
    """Placeholders and the originals they stand for."""

    originals: dict[str, str] = field(default_factory=dict)  # "[EMAIL_1]" -> "jane@x.com"
    counts: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def summary(self) -> str:
        labels = {"EMAIL": "email(s)", "PHONE": "phone number(s)", "URL": "URL(s)", "NAME": "name(s)"}
        parts = [f"{self.counts[k]} {labels[k]}" for k in KINDS if self.counts[k]]
        return ", ".join(parts) if parts else "nothing matched"


class Redactor:
    """Replaces personal details with numbered placeholders, consistently across calls."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        self.redaction = Redaction()
        self._assigned: dict[tuple[str, str], str] = {}
        ordered = sorted({n.strip() for n in names if len(n.strip()) > 1}, key=len, reverse=True)
        self._names = (
            re.compile(r"(?<![\w])(?:" + "|".join(re.escape(n) for n in ordered) + r")(?![\w])") if ordered else None
        )

    def _placeholder(self, kind: str, original: str) -> str:
        key = (kind, original)
        if key not in self._assigned:
            self.redaction.counts[kind] += 1
            placeholder = f"[{kind}_{self.redaction.counts[kind]}]"
            self._assigned[key] = placeholder
            self.redaction.originals[placeholder] = original
        return self._assigned[key]

    def _spans(self, text: str) -> list[tuple[int, int, str]]:
        spans: list[tuple[int, int, str]] = []

        def add(start: int, end: int, kind: str) -> None:
            if not any(start < e and s < end for s, e, _ in spans):
                spans.append((start, end, kind))

        # URLs first: an email or a number inside a URL is part of the URL.
        for m in _URL.finditer(text):
            end = m.end()
            while end > m.start() and text[end - 1] in _TRAILING:
                end -= 1  # "see example.com/docs." ends the sentence, not the URL
            add(m.start(), end, "URL")
        for m in _EMAIL.finditer(text):
            add(m.start(), m.end(), "EMAIL")
        for m in _PHONE.finditer(text):
            if _is_phone(m.group(0)):
                add(m.start(), m.end(), "PHONE")
        if self._names is not None:
            for m in self._names.finditer(text):
                add(m.start(), m.end(), "NAME")
        return sorted(spans)

    def redact(self, text: str) -> str:
        out: list[str] = []
        last = 0
        for start, end, kind in self._spans(text):
            out.append(text[last:start])
            out.append(self._placeholder(kind, text[start:end]))
            last = end
        out.append(text[last:])
        return "".join(out)


def redact_transcript(transcript: Transcript, *, names: Sequence[str] = ()) -> tuple[Transcript, Redaction]:
    """A copy of ``transcript`` with personal details replaced, and the mapping back."""
    redactor = Redactor(names)
    turns = tuple(replace(t, text=redactor.redact(t.text)) for t in transcript.turns)
    return transcript.model_copy(update={"turns": turns}), redactor.redaction


def restore_text(text: str, redaction: Redaction) -> str:
    """Put the original words back in place of placeholders (with or without brackets,
    since a grounded quote may have lost them at its edges)."""

    def swap(m: re.Match[str]) -> str:
        return redaction.originals.get(f"[{m.group(1)}_{m.group(2)}]", m.group(0))

    return _PLACEHOLDER.sub(swap, text)


def _restore_finding(f: Finding, r: Redaction) -> Finding:
    quotes = [q.model_copy(update={"text": restore_text(q.text, r)}) for q in f.quotes]
    return f.model_copy(update={"rationale": restore_text(f.rationale, r), "quotes": quotes})


def _restore_quote(q: Quote, r: Redaction) -> Quote:
    return q.model_copy(update={"text": restore_text(q.text, r)})


def _restore_interview(iv: InterviewCoverage | None, r: Redaction) -> InterviewCoverage | None:
    if iv is None:
        return None
    probes = [p.model_copy(update={"quote": _restore_quote(p.quote, r)}) for p in iv.probes]
    talk = [s.model_copy(update={"speaker": restore_text(s.speaker, r)}) for s in iv.talk_time]
    return iv.model_copy(update={"probes": probes, "talk_time": talk})


def _restore_follow_up(f: FollowUp, r: Redaction) -> FollowUp:
    mention = _restore_quote(f.mention, r) if f.mention is not None else None
    return f.model_copy(update={"question": restore_text(f.question, r), "mention": mention})


def _restore_warning(w: Warning, r: Redaction) -> Warning:
    quote = restore_text(w.quote, r) if w.quote is not None else None
    return w.model_copy(update={"message": restore_text(w.message, r), "quote": quote})


def restore_report(report: Report, redaction: Redaction) -> Report:
    """The report with original words restored, marked as redacted, with a warning that
    says what was replaced. Runs locally, after every call."""
    note = Warning(
        kind="redaction",
        message=f"Redaction ran: {redaction.summary()} replaced with placeholders before any text "
        "left this machine; quotes were mapped back to the original words locally.",
    )
    return report.model_copy(
        update={
            "redaction": True,
            "strengths": [_restore_finding(f, redaction) for f in report.strengths],
            "red_flags": [_restore_finding(f, redaction) for f in report.red_flags],
            "warnings": [note, *(_restore_warning(w, redaction) for w in report.warnings)],
            "interview": _restore_interview(report.interview, redaction),
            "follow_ups": [_restore_follow_up(f, redaction) for f in report.follow_ups],
        }
    )
