"""Step 2 of the pipeline: who is the candidate, and how we know.

In order:

1. ``--candidate NAME`` (the user's choice) wins.
2. A transcript without speaker labels (captions) can't be attributed: that is an
   error unless the user explicitly chose ``all_speech_is_candidate``.
3. Labels: one speaker labelled ``Candidate``/``Interviewee``/``Applicant``, or ``A``
   in a ``Q``/``A`` transcript.
4. Otherwise the candidate is inferred: the speaker who answers the most questions
   asked by others and asks the fewest. This handles panels (two or more
   interviewers), diarized ``A``/``B`` and ``spk_0``/``spk_1`` labels and channels.

Bots (notetakers) are excluded. ``Unknown Speaker`` turns are never the candidate's
unless the user names them with ``--candidate``: they could be anyone. Every
assignment carries a reason that ``inspect`` and the report show.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, Field

from .errors import NoCandidateError
from .ingest.speakers import is_bot, is_unknown_speaker
from .transcript import Transcript

__all__ = ["RoleAssignment", "SpeakerStats", "assign_roles", "is_bot"]

_CANDIDATE_LABELS = {"candidate", "interviewee", "applicant", "the candidate", "a"}
_INTERVIEWER_LABEL = re.compile(
    r"^(?:interviewer|q|panel(?:ist)?|host|hiring manager|recruiter|examiner)(?:\s*\d+)?$",
    re.IGNORECASE,
)
# Prompts that ask without a question mark, common in interviews and in
# unpunctuated speech-to-text output.
_PROMPT = re.compile(
    r"(?:^|[.!]\s+)(?:tell me|tell us|walk me through|walk us through|talk me through|"
    r"describe|explain|give me an example|share an example|can you|could you|would you|"
    r"how would you|how did you|what would you|what did you|why did you)\b",
    re.IGNORECASE,
)
_WH_START = re.compile(
    r"^(?:how|what|why|when|where|which|who|do you|did you|have you|are you|is there|"
    r"can you|could you|would you)\b",
    re.IGNORECASE,
)

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
    unattributed: list[str] = Field(
        default_factory=list,
        description="Speakers the source couldn't identify ('Unknown Speaker'): neither the "
        "candidate nor an interviewer.",
    )

    @property
    def inferred(self) -> bool:
        return self.method == "inferred"


def _is_question(text: str) -> bool:
    tail = text[-200:]
    if "?" in tail or _PROMPT.search(tail):
        return True
    # Unpunctuated speech-to-text: a turn that opens like a question is one.
    return not any(c in text for c in ".?!") and bool(_WH_START.match(text.strip()))


def _stats(transcript: Transcript, speakers: list[str]) -> list[SpeakerStats]:
    counted = set(speakers)
    asked = dict.fromkeys(speakers, 0)
    answered = dict.fromkeys(speakers, 0)
    turns = dict.fromkeys(speakers, 0)
    words = dict.fromkeys(speakers, 0)
    prev_speaker: str | None = None
    prev_question = False
    for turn in transcript.turns:
        if turn.speaker not in counted:
            continue  # bots don't ask or answer
        question = _is_question(turn.text)
        turns[turn.speaker] += 1
        words[turn.speaker] += len(turn.text.split())
        asked[turn.speaker] += question
        if prev_speaker is not None and prev_speaker != turn.speaker and prev_question:
            answered[turn.speaker] += 1
        prev_speaker, prev_question = turn.speaker, question
    return [
        SpeakerStats(name=s, turns=turns[s], words=words[s], questions_asked=asked[s],
                     questions_answered=answered[s])
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


def _listed(speakers: list[str]) -> str:
    return ", ".join(repr(s) for s in speakers) or "none"


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
        all_speech_is_candidate: for transcripts with no speaker labels (or one
            speaker), treat all speech as the candidate's: an explicit user choice,
            never a default.

    Raises:
        NoCandidateError: the candidate can't be determined safely; the message says
            what the user can do.
    """
    everyone = transcript.speakers
    excluded = [s for s in everyone if is_bot(s)]
    speakers = [s for s in everyone if s not in excluded]
    unknown = [s for s in speakers if is_unknown_speaker(s)]
    named = [s for s in speakers if s not in unknown]
    stats = _stats(transcript, speakers)

    def result(cand: str, method: Method, reason: str, confidence: float) -> RoleAssignment:
        others = [s for s in speakers if s != cand]
        return RoleAssignment(
            candidate=cand,
            interviewers=[s for s in others if s not in unknown],
            unattributed=[s for s in others if s in unknown],
            excluded=excluded, method=method, reason=reason, confidence=confidence,
            stats=stats,
        )

    if candidate:
        match = _match_speaker(candidate, speakers)
        if match is None:
            raise NoCandidateError(
                f"--candidate {candidate!r} is not a speaker in this transcript.",
                hint=f"Speakers: {_listed(speakers)}.",
            )
        return result(match, "given", f"given with --candidate {candidate!r}", 1.0)

    if not transcript.has_speaker_labels:
        if all_speech_is_candidate and speakers:
            return result(
                speakers[0], "all_speech",
                "the transcript has no speaker labels; all speech treated as the candidate's, "
                "as requested", 1.0,
            )
        raise NoCandidateError(
            "This transcript has no speaker labels (captions only), so the candidate's words "
            "can't be told apart from the interviewer's.",
            hint="Export a transcript with speaker names, or pass --all-speech-is-candidate "
            "to judge all speech as the candidate's.",
        )

    labelled = [s for s in named if s.casefold() in _CANDIDATE_LABELS]
    others = [s for s in named if s not in labelled]
    # "A" is the answerer only beside "Q"-style labels; alone or beside "B" it is a
    # diarization id (AssemblyAI).
    others_are_interviewers = bool(others) and all(_INTERVIEWER_LABEL.match(s) for s in others)
    if len(labelled) == 1 and (labelled[0].casefold() != "a" or others_are_interviewers):
        cand = labelled[0]
        return result(cand, "labelled", f"labelled {cand!r} in the transcript", 1.0)
    if not labelled and named and all(_INTERVIEWER_LABEL.match(s) for s in named):
        raise NoCandidateError(
            f"Every speaker here is labelled as an interviewer ({_listed(named)}): there are "
            "no candidate turns.",
            hint="Check that this is the whole interview, or pass --candidate NAME.",
        )

    if len(named) < 2:
        if all_speech_is_candidate and named:
            return result(named[0], "all_speech",
                          "only one identified speaker; treated as the candidate, as requested",
                          1.0)
        extra = f" (plus unidentified {_listed(unknown)})" if unknown else ""
        raise NoCandidateError(
            f"Only one identified speaker ({_listed(named)}){extra} takes part, so there is no "
            "interview to tell the candidate from.",
            hint="Pass --candidate NAME (or --all-speech-is-candidate) if this is the "
            "candidate speaking.",
        )

    eligible = [s for s in stats if s.name in named]
    total_questions = sum(s.questions_asked for s in stats)
    if total_questions == 0:
        raise NoCandidateError(
            f"No one asks questions here, so the candidate can't be inferred among "
            f"{_listed(named)}.",
            hint="Pass --candidate NAME.",
        )
    ranked = sorted(eligible, key=lambda s: (s.questions_answered - s.questions_asked, s.words),
                    reverse=True)
    best, runner_up = ranked[0], ranked[1]
    asked_by_others = total_questions - best.questions_asked
    if best.questions_answered == 0:
        raise NoCandidateError(
            f"No speaker answers the others' questions, so the candidate can't be inferred "
            f"among {_listed(named)}.",
            hint="Pass --candidate NAME.",
        )
    answered_share = best.questions_answered / max(1, asked_by_others)
    margin = (best.questions_answered - best.questions_asked) - (
        runner_up.questions_answered - runner_up.questions_asked
    )
    confidence = max(0.0, min(1.0, 0.5 * answered_share + 0.5 * min(1.0, margin / 5)))
    reason = (
        f"answers {best.questions_answered} of {asked_by_others} "
        f"questions asked by others, and asks {best.questions_asked}"
    )
    if len(named) > 2:
        reason += f"; the other {len(named) - 1} speakers are taken as a panel of interviewers"
    if unknown:
        reason += f"; {_listed(unknown)} turns are left unattributed"
    return result(best.name, "inferred", reason, round(confidence, 2))
