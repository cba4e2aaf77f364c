"""Who asks and who answers: per-speaker counts that role assignment decides on and that
the "who is the candidate?" question shows beside each speaker."""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

from .transcript import Transcript

__all__ = ["SpeakerStats", "is_question", "speaker_stats"]

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


class SpeakerStats(BaseModel):
    name: str
    turns: int
    words: int
    questions_asked: int = Field(description="Turns of this speaker that ask something.")
    questions_answered: int = Field(description="Turns that reply to another speaker's question.")
    share: float = Field(0.0, ge=0.0, le=1.0, description="This speaker's share of all the words spoken.")


def is_question(text: str) -> bool:
    """Whether a turn asks something (a question mark, or a prompt such as "walk me through")."""
    tail = text[-200:]
    if "?" in tail or _PROMPT.search(tail):
        return True
    # Unpunctuated speech-to-text: a turn that opens like a question is one.
    return not any(c in text for c in ".?!") and bool(_WH_START.match(text.strip()))


def speaker_stats(transcript: Transcript, speakers: list[str]) -> list[SpeakerStats]:
    """Turns, words, questions asked and answered of each of ``speakers`` (others, such as
    bots, neither ask nor answer)."""
    counted = set(speakers)
    asked = dict.fromkeys(speakers, 0)
    answered = dict.fromkeys(speakers, 0)
    turns = dict.fromkeys(speakers, 0)
    words = dict.fromkeys(speakers, 0)
    prev_speaker: str | None = None
    prev_question = False
    for turn in transcript.turns:
        if turn.speaker not in counted:
            continue
        question = is_question(turn.text)
        turns[turn.speaker] += 1
        words[turn.speaker] += len(turn.text.split())
        asked[turn.speaker] += question
        if prev_speaker is not None and prev_speaker != turn.speaker and prev_question:
            answered[turn.speaker] += 1
        prev_speaker, prev_question = turn.speaker, question
    total = sum(words.values()) or 1
    return [
        SpeakerStats(name=s, turns=turns[s], words=words[s], questions_asked=asked[s],
                     questions_answered=answered[s], share=round(words[s] / total, 3))
        for s in speakers
    ]
