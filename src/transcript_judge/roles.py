"""Step 2 of the pipeline: who is the candidate, and how we know.

In order:

1. ``--candidate NAME`` (the user's choice) wins.
2. A transcript without speaker labels (captions) can't be attributed: that is an
   error unless the user explicitly chose ``all_speech_is_candidate``.
3. Labels: one speaker labelled ``Candidate``/``Interviewee``/``Applicant``, or ``A``
   in a ``Q``/``A`` transcript.
4. A speaker whose label is the name the header or file name gives
   (:mod:`.namehint`: ``Phone screen — Jake Miller``, ``interview_jane_doe.vtt``),
   unless that speaker asks the questions while another answers them.
5. Otherwise the candidate is inferred: the speaker who answers the most questions
   asked by others and asks the fewest. This handles panels (two or more
   interviewers), diarized ``A``/``B`` and ``spk_0``/``spk_1`` labels and channels.

When the candidate's label is generic (``Candidate``, ``Speaker 1``, or captions with no
labels at all), a name from the header or file name is the report's name for them
(:attr:`RoleAssignment.name`), and the reason says where it came from. When the candidate
can't be told, :class:`~.candidate_question.CandidateNeeded` carries the facts to ask with.

Bots (notetakers) are excluded. ``Unknown Speaker`` turns are never the candidate's
unless the user names them with ``--candidate``: they could be anyone. Every
assignment carries a reason that ``inspect`` and the report show.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field

from .candidate_question import CandidateFacts, CandidateNeeded, Why, cli_listing
from .ingest.speakers import is_bot, is_unknown_speaker
from .namehint import NameHint, NameSource, name_hint
from .speakerstats import SpeakerStats, speaker_stats
from .transcript import Transcript

__all__ = ["ALL_SPEECH_WARNING", "CandidateNeeded", "RoleAssignment", "SpeakerStats", "assign_roles", "is_bot"]

_CANDIDATE_LABELS = {"candidate", "interviewee", "applicant", "the candidate", "a"}
_INTERVIEWER_LABEL = re.compile(
    r"^(?:interviewer|q|panel(?:ist)?|host|hiring manager|recruiter|examiner)(?:\s*\d+)?$",
    re.IGNORECASE,
)
# Labels that say nothing about who speaks: a name from the header is shown instead.
_GENERIC_LABEL = re.compile(
    r"^(?:[a-z]|(?:speaker|spk|participant|person|voice|channel|ch|guest|s)[ _-]?\d+)$", re.IGNORECASE
)

#: The report's warning when all speech was judged as the candidate's (for its reader).
ALL_SPEECH_WARNING = (
    "All the speech in this transcript was judged as the candidate's, because it has no speaker "
    "labels: the interviewer's words may be included in what was judged, and quoted as the "
    "candidate's. Check each quote against the transcript."
)

Method = Literal["given", "labelled", "named", "inferred", "all_speech"]


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
    name: str | None = Field(
        None,
        description="The candidate's name from the transcript's header or file name, when the "
        "candidate's label doesn't give it (a generic label such as 'Candidate', or none).",
    )
    name_source: NameSource | None = Field(None, description="Where ``name`` was found.")

    @property
    def inferred(self) -> bool:
        return self.method == "inferred"

    @property
    def shown_name(self) -> str:
        """The name to show for the candidate: from the header or file name, else the label."""
        return self.name or self.candidate


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
    ``Unknown Speaker`` turns are nobody's (``unknown``); ``named`` is everyone else.
    ``hint`` is the candidate's name from the header or file name, if they give one."""

    excluded: list[str]
    speakers: list[str]
    unknown: list[str]
    named: list[str]
    stats: list[SpeakerStats]
    labelled: bool
    hint: NameHint | None

    @classmethod
    def of(cls, transcript: Transcript, source_name: str | None) -> _Cast:
        everyone = transcript.speakers
        excluded = [s for s in everyone if is_bot(s)]
        speakers = [s for s in everyone if s not in excluded]
        unknown = [s for s in speakers if is_unknown_speaker(s)]
        named = [s for s in speakers if s not in unknown]
        hint = name_hint(transcript.title, source_name)
        stats = speaker_stats(transcript, speakers)
        return cls(excluded, speakers, unknown, named, stats, transcript.has_speaker_labels, hint)

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

    @property
    def name_speaker(self) -> str | None:
        """The named speaker whose label matches the header's or file name's name (a generic
        label such as ``A`` never does, even beside "Sam A. Lee")."""
        labels = [s for s in self.named if not _is_generic(s)]
        return _match_name(self.hint.name, labels) if self.hint else None

    def needed(
        self, why: Why, message: str, hint: str, guess: RoleAssignment | Literal["best"] | None = "best"
    ) -> CandidateNeeded:
        """The question to ask, with the facts; ``guess`` is the likeliest candidate (by
        default who answers the most questions, :func:`_best`), or None for no guess."""
        best = _best(self) if guess == "best" else guess
        facts = CandidateFacts(
            why=why, speakers=self.stats,
            inferred=best.candidate if best else None, inferred_reason=best.reason if best else None,
            name=self.hint.name if self.hint else None, name_source=self.hint.source if self.hint else None,
            name_speaker=self.name_speaker,
        )
        listing = cli_listing(facts, labelled=self.labelled)
        return CandidateNeeded(message, hint="\n  ".join(x for x in (listing, hint) if x),
                               speakers=self.speakers, labelled=self.labelled, facts=facts)


def _match_name(name: str, speakers: list[str]) -> str | None:
    """The one speaker a name from the header is: the same words, or a label that is part
    of it ("Jake" for "Jake Miller") or contains it."""
    words = name.casefold().replace(".", "").split()
    found = []
    for s in speakers:
        label = s.casefold().replace(".", "").split()
        if label and (label == words or _contains(words, label) or _contains(label, words)):
            found.append(s)
    return found[0] if len(found) == 1 else None


def _contains(words: list[str], part: list[str]) -> bool:
    n = len(part)
    return any(words[i : i + n] == part for i in range(len(words) - n + 1))


def _is_generic(label: str) -> bool:
    """Whether a label says nothing about who speaks (``Candidate``, ``Speaker 1``, ``spk_0``)."""
    return label.casefold() in _CANDIDATE_LABELS or is_unknown_speaker(label) or bool(_GENERIC_LABEL.match(label))


def assign_roles(
    transcript: Transcript,
    *,
    candidate: str | None = None,
    all_speech_is_candidate: bool = False,
    source_name: str | None = None,
) -> RoleAssignment:
    """Decide who the candidate is.

    Args:
        transcript: the parsed transcript.
        candidate: the user's explicit choice (``--candidate``); matched exactly, then
            case-insensitively, then as a unique substring.
        all_speech_is_candidate: for transcripts with no speaker labels (or one
            speaker), treat all speech as the candidate's: an explicit user choice,
            never a default.
        source_name: the file's name, which may name the candidate (see :mod:`.namehint`).

    Raises:
        CandidateNeeded: the candidate can't be determined safely; the message says
            what the user can do, and the facts say who asks and who answers.
    """
    cast = _Cast.of(transcript, source_name)
    roles = _given(cast, candidate) if candidate else _decide(cast, all_speech_is_candidate)
    return _with_name(cast, roles)


def _decide(cast: _Cast, all_speech_is_candidate: bool) -> RoleAssignment:
    """Everything after ``--candidate``: no labels, a candidate label, one speaker, a name
    from the header, then inference."""
    if not cast.labelled:
        return _unlabelled(cast, all_speech_is_candidate)
    labelled = _labelled(cast)
    if labelled is not None:
        return labelled
    if len(cast.named) < 2:
        return _one_speaker(cast, all_speech_is_candidate)
    return _named(cast) or _inferred(cast)


def _with_name(cast: _Cast, roles: RoleAssignment) -> RoleAssignment:
    """The header's or file name's name shown for a candidate whose label is generic."""
    hint = cast.hint
    if hint is None or roles.method == "named" or not _is_generic(roles.candidate):
        return roles
    reason = f"{roles.reason}; the name {hint.name!r} is from the {hint.source}"
    return roles.model_copy(update={"name": hint.name, "name_source": hint.source, "reason": reason})


def _given(cast: _Cast, candidate: str) -> RoleAssignment:
    """The user's ``--candidate``, if it names a speaker."""
    match = _match_speaker(candidate, cast.speakers)
    if match is None:
        try:
            guess: RoleAssignment | None = _decide(cast, False)
        except CandidateNeeded:
            guess = None
        raise cast.needed(
            "not_a_speaker",
            f"--candidate {candidate!r} is not a speaker in this transcript.",
            "Otherwise pass --candidate with one of the speakers' names.",
            guess,
        )
    return cast.assign(match, "given", f"given with --candidate {candidate!r}", 1.0)


def _unlabelled(cast: _Cast, all_speech_is_candidate: bool) -> RoleAssignment:
    """Captions without speaker labels: all speech is the candidate's only when asked."""
    if all_speech_is_candidate and cast.speakers:
        return cast.assign(
            cast.speakers[0], "all_speech",
            "the transcript has no speaker labels; all speech treated as the candidate's, "
            "as requested, so the interviewer's words may be included", 1.0,
        )
    raise cast.needed(
        "no_labels",
        "This transcript has no speaker labels (captions only), so the candidate's words "
        "can't be told apart from the interviewer's.",
        "Export a transcript with speaker names, or pass --all-speech-is-candidate "
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
        raise cast.needed(
            "interviewers_only",
            f"Every speaker here is labelled as an interviewer ({_listed(named)}): there are "
            "no candidate turns.",
            "Check that this is the whole interview, or pass --candidate NAME.",
            None,  # an interviewer who answers a colleague is no guess at the candidate
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
    raise cast.needed(
        "one_speaker",
        f"Only one identified speaker ({_listed(named)}){extra} takes part, so there is no "
        "interview to tell the candidate from.",
        "Pass --candidate NAME (or --all-speech-is-candidate) if this is the "
        "candidate speaking.",
    )


def _named(cast: _Cast) -> RoleAssignment | None:
    """The speaker the header or file name names, unless what they say contradicts it:
    someone who asks more than they answer while another speaker answers is an
    interviewer, whatever the file is called."""
    match, hint = cast.name_speaker, cast.hint
    if match is None or hint is None:
        return None
    by_name = {s.name: s for s in cast.stats}
    me = by_name[match]
    answerers = [s for s in cast.stats if s.name != match and s.questions_answered > s.questions_asked]
    if me.questions_asked > me.questions_answered and answerers:
        return None
    reason = f"named in the {hint.source} ({hint.name!r})"
    if me.questions_answered:
        reason += f"; answers {me.questions_answered} questions and asks {me.questions_asked}"
    return cast.assign(match, "named", reason, 0.9)


def _best(cast: _Cast) -> RoleAssignment | None:
    """The speaker who answers the most of the others' questions and asks the fewest, with a
    confidence from the share answered and the margin over the runner-up; None when no
    one asks or no one answers."""
    named, stats = cast.named, cast.stats
    eligible = [s for s in stats if s.name in named]
    total_questions = sum(s.questions_asked for s in stats)
    if len(eligible) < 2 or total_questions == 0:
        return None
    ranked = sorted(eligible, key=lambda s: (s.questions_answered - s.questions_asked, s.words), reverse=True)
    best, runner_up = ranked[0], ranked[1]
    if best.questions_answered == 0:
        return None
    asked_by_others = total_questions - best.questions_asked
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


def _inferred(cast: _Cast) -> RoleAssignment:
    """The likeliest candidate (:func:`_best`), or the question when there is none."""
    best = _best(cast)
    if best is not None:
        if cast.name_speaker is not None and cast.name_speaker != best.candidate and cast.hint:
            note = (f"; the {cast.hint.source} names {cast.hint.name!r}, but that speaker asks "
                    "the questions, so wasn't taken as the candidate")
            best = best.model_copy(update={"reason": best.reason + note})
        return best
    if sum(s.questions_asked for s in cast.stats) == 0:
        raise cast.needed(
            "no_questions",
            f"No one asks questions here, so the candidate can't be inferred among {_listed(cast.named)}.",
            "Pass --candidate NAME.",
        )
    raise cast.needed(
        "no_answers",
        f"No speaker answers the others' questions, so the candidate can't be inferred among "
        f"{_listed(cast.named)}.",
        "Pass --candidate NAME.",
    )
