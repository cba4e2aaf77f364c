"""What the interview tested: the rubric's probes asked, and who spoke how much.

A criterion can only show up if the interview gave the candidate the chance. The rubric's
probes (:class:`.rubric.Probe`) are the questions that do; this module finds them in the
interviewer's turns (never the candidate's: a candidate who raises a topic unprompted
gives evidence, not a probe), so that the report can tell *not probed* (no conclusion)
from *probed, not shown*.

How probes are found: the rubric's cue phrases, as whole words, in a sentence of an
interviewer's turn that asks something (it ends with "?", or opens as a request: "tell
me", "walk me through", "describe", ...). That is a keyword method, and the report says
so (``InterviewCoverage.method``); its precision and recall on the dev set are measured
by ``eval`` (``evals/dev``, the cases' ``probes`` labels).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Literal

from .lexical import cue_pattern, sentences_of
from .report.model import AreaCovered, InterviewCoverage, ProbeAsked, Quote, SpeakerTime
from .roles import RoleAssignment
from .rubric import Probe, Rubric
from .transcript import Transcript, Turn, format_timestamp

__all__ = ["asks", "coverage_from", "find_probes", "interview_coverage", "is_interviewer", "quote_of", "talk_time"]

#: How a sentence that doesn't end with "?" can still ask: a request or a scenario.
_REQUEST = re.compile(
    r"^(?:so,?\s+|and\s+|okay,?\s+|ok,?\s+|now,?\s+|then,?\s+|alright,?\s+|right,?\s+)*"
    r"(?:tell|walk|describe|explain|talk|take|give|show|design|sketch|imagine|suppose|say|let's|lets|"
    r"how|what|why|when|which|where|who|would|could|can|do|did|have|is|are)\b",
    re.IGNORECASE,
)


def asks(sentence: str) -> bool:
    """Whether a sentence asks something (a question, or a request to tell or do)."""
    return sentence.rstrip().endswith("?") or bool(_REQUEST.match(sentence.strip()))


def is_interviewer(turn: Turn, roles: RoleAssignment) -> bool:
    """Whether a turn is an interviewer's: not the candidate's, nor a bot's or an unknown speaker's."""
    return turn.speaker != roles.candidate and turn.speaker not in (*roles.excluded, *roles.unattributed)


def quote_of(turn: Turn, text: str) -> Quote:
    """``text`` (verbatim from ``turn``) as a quote with the turn's speaker and time."""
    stamp = format_timestamp(turn.start)
    return Quote(turn=turn.index, speaker=turn.speaker, timestamp=stamp, start=turn.start, text=text)


def find_probes(turns: Iterable[Turn], roles: RoleAssignment, probes: Sequence[Probe]) -> list[ProbeAsked]:
    """Every probe asked, once, at the first interviewer sentence that asks it."""
    patterns = [(p, cue_pattern(tuple(p.cues))) for p in probes]
    found: dict[str, ProbeAsked] = {}
    for turn in turns:
        if not is_interviewer(turn, roles) or len(found) == len(patterns):
            continue
        for sentence in sentences_of(turn.text):
            if not asks(sentence):
                continue
            for probe, pattern in patterns:
                if probe.id not in found and pattern is not None and pattern.search(sentence):
                    found[probe.id] = ProbeAsked(probe_id=probe.id, area=probe.area, quote=quote_of(turn, sentence))
    order = {p.id: i for i, p in enumerate(probes)}
    return sorted(found.values(), key=lambda a: (a.quote.turn, order[a.probe_id]))


def talk_time(transcript: Transcript, roles: RoleAssignment) -> list[SpeakerTime]:
    """Words (and seconds, where the source has times) per speaker, most first."""
    words: dict[str, int] = {}
    seconds: dict[str, float] = {}
    timed = True
    for turn in transcript.turns:
        words[turn.speaker] = words.get(turn.speaker, 0) + len(turn.text.split())
        if turn.start is None or turn.end is None:
            timed = False
        else:
            seconds[turn.speaker] = seconds.get(turn.speaker, 0.0) + max(0.0, turn.end - turn.start)
    total = sum(words.values()) or 1

    def role(speaker: str) -> Literal["candidate", "interviewer", "other"]:
        if speaker == roles.candidate:
            return "candidate"
        return "interviewer" if speaker in roles.interviewers else "other"

    out = [
        SpeakerTime(
            speaker=speaker,
            role=role(speaker),
            words=n,
            share=round(n / total, 4),
            seconds=round(seconds.get(speaker, 0.0), 1) if timed else None,
        )
        for speaker, n in words.items()
    ]
    return sorted(out, key=lambda s: -s.words)


def _areas(rubric: Rubric, asked: Sequence[ProbeAsked]) -> list[AreaCovered]:
    """Every area of the rubric's probes, in the rubric's order, with where it was first asked."""
    areas: dict[str, AreaCovered] = {}
    for probe in rubric.probes:
        areas.setdefault(probe.area, AreaCovered(area=probe.area))
    for a in asked:  # in interview order: the first is where the area started
        area = areas[a.area]
        area.probes.append(a.probe_id)
        if area.turn is None:
            area.turn, area.timestamp, area.start = a.quote.turn, a.quote.timestamp, a.quote.start
    return list(areas.values())


def interview_coverage(transcript: Transcript, roles: RoleAssignment, rubric: Rubric) -> InterviewCoverage:
    """The probes asked, the areas covered and the talk time of one interview."""
    speaking = talk_time(transcript, roles)
    if not rubric.probes:
        reason = "The rubric lists no probes, so 'not probed' can't be told from 'not shown'."
        return InterviewCoverage(probes_available=False, unavailable_reason=reason, talk_time=speaking)
    if not any(is_interviewer(t, roles) for t in transcript.turns):
        reason = "No interviewer turns (all speech is the candidate's), so the questions asked can't be found."
        return InterviewCoverage(probes_available=False, unavailable_reason=reason, talk_time=speaking)
    return coverage_from(find_probes(transcript.turns, roles, rubric.probes), rubric, speaking)


def coverage_from(
    asked: Sequence[ProbeAsked],
    rubric: Rubric,
    speaking: Sequence[SpeakerTime],
    method: Literal["cues", "model"] = "cues",
) -> InterviewCoverage:
    """The coverage of probes found by any method (:mod:`.probe_judge` for the model's)."""
    return InterviewCoverage(
        probes_available=True,
        method=method,
        probes=list(asked),
        areas=_areas(rubric, asked),
        talk_time=list(speaking),
    )
