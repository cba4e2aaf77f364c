"""Step 2 of the pipeline: who is the candidate, and how we know.

Explicit labels win (``--candidate``, then ``Candidate:``/``A:`` style labels); otherwise
the candidate is inferred as the speaker who answers the questions. Every assignment
carries a human-readable reason that ``inspect`` and the report show.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, Field

from .errors import NoCandidateError
from .transcript import Transcript

__all__ = ["RoleAssignment", "SpeakerStats", "assign_roles", "is_bot"]

_BOT = re.compile(
    r"notetaker|note taker|fireflies|otter\.ai|otter pilot|read\.ai|fathom|tl;?dv|"
    r"meeting (?:bot|assistant)|\bbot\b|recorder",
    re.IGNORECASE,
)
_CANDIDATE_LABELS = {"candidate", "interviewee", "applicant", "a"}
_INTERVIEWER_LABEL = re.compile(r"^(interviewer|q|panel(ist)?|host)(\s*\d+)?$", re.IGNORECASE)

Method = Literal["given", "labelled", "inferred", "all_speech"]


class SpeakerStats(BaseModel):
    name: str
    turns: int
    words: int
    questions_asked: int = Field(description="Turns of this speaker that ask something.")
    questions_answered: int = Field(description="Turns that reply to another speaker's question.")


class RoleAssignment(BaseModel):
    candidate: str
    interviewers: list[str]
    excluded: list[str] = Field(default_factory=list, description="Bots and non-participants.")
    method: Method
    reason: str
    confidence: float = Field(ge=0.0, le=1.0)
    stats: list[SpeakerStats] = Field(default_factory=list)

    @property
    def inferred(self) -> bool:
        return self.method == "inferred"


def is_bot(speaker: str) -> bool:
    return bool(_BOT.search(speaker))


def _is_question(text: str) -> bool:
    return "?" in text[-200:] or text.rstrip().endswith("?")


def _stats(transcript: Transcript, speakers: list[str]) -> list[SpeakerStats]:
    asked = dict.fromkeys(speakers, 0)
    answered = dict.fromkeys(speakers, 0)
    prev = None
    for turn in transcript.turns:
        if turn.speaker not in asked:
            continue
        if _is_question(turn.text):
            asked[turn.speaker] += 1
        if prev is not None and prev.speaker != turn.speaker and _is_question(prev.text):
            answered[turn.speaker] += 1
        prev = turn
    return [
        SpeakerStats(
            name=s,
            turns=len(transcript.turns_by(s)),
            words=sum(len(t.text.split()) for t in transcript.turns_by(s)),
            questions_asked=asked[s],
            questions_answered=answered[s],
        )
        for s in speakers
    ]


def _match_speaker(name: str, speakers: list[str]) -> str | None:
    if name in speakers:
        return name
    folded = {s.casefold(): s for s in speakers}
    if name.casefold() in folded:
        return folded[name.casefold()]
    partial = [s for s in speakers if name.casefold() in s.casefold()]
    return partial[0] if len(partial) == 1 else None


def assign_roles(
    transcript: Transcript,
    *,
    candidate: str | None = None,
    all_speech_is_candidate: bool = False,
) -> RoleAssignment:
    """Decide who the candidate is.

    Args:
        transcript: the parsed transcript.
        candidate: the user's explicit choice (``--candidate``); matched exactly, then
            case-insensitively, then as a unique substring.
        all_speech_is_candidate: for transcripts with no speaker labels, treat all
            speech as the candidate's (an explicit user choice, never a default).

    Raises:
        NoCandidateError: the candidate can't be determined safely; the message says
            what the user can do.
    """
    everyone = transcript.speakers
    excluded = [s for s in everyone if is_bot(s)]
    speakers = [s for s in everyone if s not in excluded]
    stats = _stats(transcript, speakers)
    listed = ", ".join(repr(s) for s in speakers)

    if candidate:
        match = _match_speaker(candidate, speakers)
        if match is None:
            raise NoCandidateError(
                f"--candidate {candidate!r} is not a speaker in this transcript.",
                hint=f"Speakers: {listed}.",
            )
        return RoleAssignment(
            candidate=match, interviewers=[s for s in speakers if s != match], excluded=excluded,
            method="given", reason=f"given with --candidate {candidate!r}", confidence=1.0,
            stats=stats,
        )

    if not transcript.has_speaker_labels:
        if all_speech_is_candidate:
            return RoleAssignment(
                candidate=speakers[0], interviewers=[], excluded=excluded, method="all_speech",
                reason="the transcript has no speaker labels; all speech treated as the "
                "candidate's, as requested",
                confidence=1.0, stats=stats,
            )
        raise NoCandidateError(
            "This transcript has no speaker labels (captions only), so the candidate's words "
            "can't be told apart from the interviewer's.",
            hint="Export a transcript with speaker names, or pass --all-speech-is-candidate "
            "to judge all speech as the candidate's.",
        )

    labelled = [s for s in speakers if s.casefold() in _CANDIDATE_LABELS]
    others_are_interviewers = all(
        _INTERVIEWER_LABEL.match(s) for s in speakers if s not in labelled
    )
    if len(labelled) == 1 and (labelled[0].casefold() != "a" or others_are_interviewers):
        cand = labelled[0]
        return RoleAssignment(
            candidate=cand, interviewers=[s for s in speakers if s != cand], excluded=excluded,
            method="labelled", reason=f"labelled {cand!r} in the transcript", confidence=1.0,
            stats=stats,
        )

    if len(speakers) < 2:
        if all_speech_is_candidate and speakers:
            return RoleAssignment(
                candidate=speakers[0], interviewers=[], excluded=excluded, method="all_speech",
                reason="only one speaker; treated as the candidate, as requested",
                confidence=1.0, stats=stats,
            )
        raise NoCandidateError(
            f"Only one speaker ({listed}) takes part, so there is no interview to judge.",
            hint="Pass --candidate NAME (or --all-speech-is-candidate) if this is the "
            "candidate's monologue.",
        )

    total_questions = sum(s.questions_asked for s in stats)
    ranked = sorted(stats, key=lambda s: (s.questions_answered - s.questions_asked, s.words),
                    reverse=True)
    best = ranked[0]
    if total_questions == 0:
        raise NoCandidateError(
            f"No one asks questions here, so the candidate can't be inferred among {listed}.",
            hint="Pass --candidate NAME.",
        )
    answered_share = best.questions_answered / max(1, total_questions - best.questions_asked)
    runner_up = ranked[1]
    margin = (best.questions_answered - best.questions_asked) - (
        runner_up.questions_answered - runner_up.questions_asked
    )
    confidence = max(0.0, min(1.0, 0.5 * answered_share + 0.5 * min(1.0, margin / 5)))
    reason = (
        f"answers {best.questions_answered} of {total_questions - best.questions_asked} "
        f"questions asked by others, and asks {best.questions_asked}"
    )
    return RoleAssignment(
        candidate=best.name, interviewers=[s for s in speakers if s != best.name],
        excluded=excluded, method="inferred", reason=reason, confidence=round(confidence, 2),
        stats=stats,
    )
