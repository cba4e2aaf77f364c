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
from dataclasses import dataclass
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


@dataclass(frozen=True, slots=True)
class _Cast:
    """Who speaks in a transcript, sorted for role assignment: bots are excluded, and
    ``Unknown Speaker`` turns are nobody's (``unknown``); ``named`` is everyone else."""

    excluded: list[str]
    speakers: list[str]
    unknown: list[str]
    named: list[str]
    stats: list[SpeakerStats]

    @classmethod
    def of(cls, transcript: Transcript) -> _Cast:
        everyone = transcript.speakers
        excluded = [s for s in everyone if is_bot(s)]
        speakers = [s for s in everyone if s not in excluded]
        unknown = [s for s in speakers if is_unknown_speaker(s)]
        named = [s for s in speakers if s not in unknown]
        return cls(excluded, speakers, unknown, named, _stats(transcript, speakers))

    def assign(self, cand: str, method: Method, reason: str, confidence: float) -> RoleAssignment:
        """``cand`` as the candidate; the other named speakers are the interviewers."""
        others = [s for s in self.speakers if s != cand]
        return RoleAssignment(
            candidate=cand,
            interviewers=[s for s in others if s not in self.unknown],
            unattributed=[s for s in others if s in self.unknown],
            excluded=self.excluded, method=method, reason=reason, confidence=confidence,
            stats=self.stats,
        )


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
    cast = _Cast.of(transcript)
    if candidate:
        return _given(cast, candidate)
    if not transcript.has_speaker_labels:
        return _unlabelled(cast, all_speech_is_candidate)
    labelled = _labelled(cast)
    if labelled is not None:
        return labelled
    if len(cast.named) < 2:
        return _one_speaker(cast, all_speech_is_candidate)
    return _inferred(cast)


def _given(cast: _Cast, candidate: str) -> RoleAssignment:
    """The user's ``--candidate``, if it names a speaker."""
    match = _match_speaker(candidate, cast.speakers)
    if match is None:
        raise NoCandidateError(
            f"--candidate {candidate!r} is not a speaker in this transcript.",
            hint=f"Speakers: {_listed(cast.speakers)}.",
        )
    return cast.assign(match, "given", f"given with --candidate {candidate!r}", 1.0)


def _unlabelled(cast: _Cast, all_speech_is_candidate: bool) -> RoleAssignment:
    """Captions without speaker labels: all speech is the candidate's only when asked."""
    if all_speech_is_candidate and cast.speakers:
        return cast.assign(
            cast.speakers[0], "all_speech",
            "the transcript has no speaker labels; all speech treated as the candidate's, "
            "as requested", 1.0,
        )
    raise NoCandidateError(
        "This transcript has no speaker labels (captions only), so the candidate's words "
        "can't be told apart from the interviewer's.",
        hint="Export a transcript with speaker names, or pass --all-speech-is-candidate "
        "to judge all speech as the candidate's.",
    )


def _labelled(cast: _Cast) -> RoleAssignment | None:
    """The one speaker labelled as the candidate, if there is one (None: infer instead).

    Raises when every speaker is labelled as an interviewer."""
    named = cast.named
    labelled = [s for s in named if s.casefold() in _CANDIDATE_LABELS]
    others = [s for s in named if s not in labelled]
    # "A" is the answerer only beside "Q"-style labels; alone or beside "B" it is a
    # diarization id (AssemblyAI).
    others_are_interviewers = bool(others) and all(_INTERVIEWER_LABEL.match(s) for s in others)
    if len(labelled) == 1 and (labelled[0].casefold() != "a" or others_are_interviewers):
        cand = labelled[0]
        return cast.assign(cand, "labelled", f"labelled {cand!r} in the transcript", 1.0)
    if not labelled and named and all(_INTERVIEWER_LABEL.match(s) for s in named):
        raise NoCandidateError(
            f"Every speaker here is labelled as an interviewer ({_listed(named)}): there are "
            "no candidate turns.",
            hint="Check that this is the whole interview, or pass --candidate NAME.",
        )
    return None


def _one_speaker(cast: _Cast, all_speech_is_candidate: bool) -> RoleAssignment:
    """Fewer than two identified speakers: no interview, unless the user says it's the candidate."""
    named, unknown = cast.named, cast.unknown
    if all_speech_is_candidate and named:
        return cast.assign(named[0], "all_speech",
                           "only one identified speaker; treated as the candidate, as requested",
                           1.0)
    extra = f" (plus unidentified {_listed(unknown)})" if unknown else ""
    raise NoCandidateError(
        f"Only one identified speaker ({_listed(named)}){extra} takes part, so there is no "
        "interview to tell the candidate from.",
        hint="Pass --candidate NAME (or --all-speech-is-candidate) if this is the "
        "candidate speaking.",
    )


def _inferred(cast: _Cast) -> RoleAssignment:
    """The speaker who answers the most of the others' questions and asks the fewest, with a
    confidence from the share answered and the margin over the runner-up."""
    named, stats = cast.named, cast.stats
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
    if cast.unknown:
        reason += f"; {_listed(cast.unknown)} turns are left unattributed"
    return cast.assign(best.name, "inferred", reason, round(confidence, 2))
