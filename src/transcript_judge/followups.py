"""From what the interview asked to what the report concludes, and what to ask next round.

- :func:`apply_probes`: a criterion that wasn't shown and that no probe gave the candidate
  the chance to show becomes *not probed* (no conclusion either way); one that was
  probed keeps its verdict (*probed, not shown*, or *insufficient evidence*).
- :func:`suggest_follow_ups`: for each probe that would have tested a criterion left not
  probed or thin, the rubric's question, adapted to what the candidate talked about
  (the system they described, quoted). These are suggestions, and the report says so.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from .lexical import sentences_of
from .report.model import Finding, FollowUp, InterviewCoverage, Quote
from .roles import RoleAssignment
from .rubric import Probe, Rubric
from .transcript import Transcript, format_timestamp

__all__ = ["apply_probes", "suggest_follow_ups", "system_mention"]

#: The verdicts a follow-up question could change.
_OPEN = frozenset({"not_probed", "insufficient_evidence"})
#: "our support chatbot", "the retrieval pipeline": a system the candidate describes.
_SYSTEM = re.compile(
    r"\b(?:our|my|the|a|an)\s+((?:[A-Za-z][\w-]*\s+){0,3}?"
    r"(?:system|pipeline|service|chatbot|bot|assistant|agent|platform|copilot|classifier|search|engine|app|tool))\b",
    re.IGNORECASE,
)
_VAGUE = {"whole", "same", "new", "other", "entire", "first", "next", "last", "this", "that", "real", "good", "big"}
#: Too generic to name what the candidate built on their own ("the system").
_GENERIC = {"system", "service", "tool", "app", "engine", "platform", "search"}
#: How many follow-ups a report suggests at most (the most important criteria first).
MAX_FOLLOW_UPS = 4


def apply_probes(findings: Sequence[Finding], rubric: Rubric, coverage: InterviewCoverage) -> list[Finding]:
    """The findings with ``probed`` and ``probes_asked`` set, and *not probed* where it applies."""
    if not coverage.probes_available:
        return list(findings)
    asked = {a.probe_id for a in coverage.probes}
    out: list[Finding] = []
    for f in findings:
        own = [p.id for p in rubric.probes_for(f.criterion_id)]
        if not own:  # nothing in the rubric probes it: no claim either way
            out.append(f)
            continue
        hit = [p for p in own if p in asked]
        update: dict[str, object] = {"probed": bool(hit), "probes_asked": hit}
        if not hit and f.verdict != "shown":
            update["verdict"] = "not_probed"
        out.append(f.model_copy(update=update))
    return out


def system_mention(transcript: Transcript, roles: RoleAssignment) -> Quote | None:
    """The system the candidate talked about most (the first sentence naming it), if any."""
    counts: Counter[str] = Counter()
    first: dict[str, Quote] = {}
    for turn in transcript.turns:
        if turn.speaker != roles.candidate:
            continue
        for sentence in sentences_of(turn.text):
            for m in _SYSTEM.finditer(sentence):
                phrase = " ".join(m.group(1).split())
                if phrase.split()[0].lower() in _VAGUE or phrase.lower() in _GENERIC:
                    continue
                key = phrase.lower()
                counts[key] += 1
                if key not in first:
                    stamp = format_timestamp(turn.start)
                    first[key] = Quote(
                        turn=turn.index, speaker=turn.speaker, timestamp=stamp, start=turn.start, text=sentence
                    )
    if not counts:
        return None
    best = max(counts, key=lambda k: (counts[k], -first[k].turn))
    return first[best]


def _phrase(mention: Quote) -> str:
    m = _SYSTEM.search(mention.text)
    return " ".join(m.group(1).split()) if m else ""


def _adapted(probe: Probe, mention: Quote | None) -> str:
    question = probe.questions[0]
    if mention is None or not probe.adapt:
        return question
    return f"You described the {_phrase(mention)}. {question}"


def suggest_follow_ups(
    findings: Sequence[Finding],
    rubric: Rubric,
    coverage: InterviewCoverage,
    transcript: Transcript,
    roles: RoleAssignment,
) -> list[FollowUp]:
    """Questions for the next round: one per probe, for criteria left not probed or thin.

    Red flags come first (a question that could rule one out matters most), then strengths.
    """
    if not coverage.probes_available:
        return []
    asked = {a.probe_id for a in coverage.probes}
    mention = system_mention(transcript, roles)
    open_findings = sorted(
        (f for f in findings if f.verdict in _OPEN), key=lambda f: (f.kind != "red_flag", f.verdict != "not_probed")
    )
    by_probe: dict[str, FollowUp] = {}
    for f in open_findings:
        probes = [p for p in rubric.probes_for(f.criterion_id) if f.verdict != "not_probed" or p.id not in asked]
        # one question may serve several criteria: join one already suggested before adding another
        probe = next((p for p in probes if p.id in by_probe), None) or next(
            (p for p in probes if p.id not in asked), probes[0] if probes else None
        )
        if probe is None:
            continue
        if probe.id in by_probe:
            by_probe[probe.id].criteria.append(f.criterion_id)
            continue
        by_probe[probe.id] = FollowUp(
            probe_id=probe.id,
            area=probe.area,
            criteria=[f.criterion_id],
            reason="not_probed" if f.verdict == "not_probed" else "insufficient_evidence",
            question=_adapted(probe, mention),
            mention=mention if probe.adapt else None,
        )
    return list(by_probe.values())[:MAX_FOLLOW_UPS]
