"""Realistic synthetic job interviews for the benchmarks.

An interview is a panel of one to three interviewers and a candidate (two to four
speakers), about 150 spoken words a minute: questions of 15-60 words, answers of
60-300 words, follow-ups, a second interviewer chiming in, the candidate's own questions
at the end, fillers ("um", "you know"), ASR-style numbers. The text comes from sentence
templates about building AI systems, with slots filled from a seeded RNG, so the same
arguments give the same bytes.

Formats: ``vtt`` (Zoom cloud transcript: numbered cues of one or two sentences,
``Name: text``) and ``txt`` (``[hh:mm:ss] Name: text``, one turn a line).

Usage:
    python -m benchmarks.synth --minutes 60 --format vtt -o benchmarks/out/i60.vtt
    python -m benchmarks.synth --all          # 10, 30, 60, 120 and 180 minutes
"""

from __future__ import annotations

import argparse
import random
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["SynthTurn", "default_speakers", "generate_turns", "interview_text", "write_interview"]

WORDS_PER_MINUTE = 150
OUT_DIR = Path(__file__).resolve().parent / "out"
DURATIONS = (10, 30, 60, 120, 180)

_CANDIDATES = ["Priya Raman", "Tom Alvarez", "Daniel Okafor", "Lena Fischer", "Wei Zhang"]
_INTERVIEWERS = ["Maya Chen", "Jordan Blake", "Sofia Marquez", "Ahmed Haddad", "Kate Olsen"]

_SLOTS: dict[str, list[str]] = {
    "system": [
        "a retrieval-augmented support assistant",
        "a document classification pipeline",
        "an internal code review bot",
        "a contract summarisation service",
        "a voice agent for appointment booking",
        "a semantic search over product manuals",
        "an invoice extraction workflow",
        "a triage model for support tickets",
        "a meeting notes summariser",
        "an agent that files bug reports",
    ],
    "component": [
        "the retriever",
        "the re-ranker",
        "the embedding job",
        "the vector index",
        "the prompt assembly step",
        "the output validator",
        "the caching layer",
        "the queue in front of the model",
        "the ingestion pipeline",
        "the chunker",
        "the guardrail service",
        "the feature store",
    ],
    "metric": [
        "grounded-answer rate",
        "p95 latency",
        "retrieval hit rate",
        "cost per ticket",
        "escalation rate",
        "exact-match accuracy",
        "faithfulness score",
        "refusal rate",
        "time to first token",
        "recall at ten",
    ],
    "tool": [
        "LangChain",
        "LlamaIndex",
        "pgvector",
        "Elasticsearch",
        "Redis",
        "Kafka",
        "Airflow",
        "OpenTelemetry",
        "Grafana",
        "Postgres",
        "Kubernetes",
        "Temporal",
    ],
    "team": [
        "the support team",
        "the legal team",
        "our platform group",
        "the data engineers",
        "product",
        "the security folks",
        "the on-call rotation",
        "finance",
    ],
    "time": ["two weeks", "a quarter", "about a month", "six weeks", "three sprints", "a weekend"],
    "model": [
        "a smaller model",
        "GPT-4.1 mini",
        "an open-weights model",
        "the hosted model",
        "a fine-tuned classifier",
        "a distilled model",
    ],
    "num": [
        "forty",
        "twelve",
        "ninety-one",
        "seventy-eight",
        "three hundred",
        "six hundred",
        "fifteen",
        "two thousand",
        "eighty",
        "thirty-five",
        "five",
        "ten thousand",
    ],
    "failure": [
        "the vector database is slow",
        "the model times out",
        "the upstream docs change format",
        "a user pastes a ten-page email",
        "the embedding model is upgraded",
        "someone tries a prompt injection",
        "the cache goes stale",
        "the provider rate limits us",
    ],
}

_ANSWER = [
    "We built {system} for {team}, and it handled about {num} requests a day by the end.",
    "The first version was a prototype we put together in {time}, and honestly the demo went really well.",
    "What I learned is that {component} is where most of the failures actually come from.",
    "We had a nightly evaluation job over a labelled set of {num} real questions, and we tracked {metric} per release.",
    "When {failure}, we fall back to a cached answer and tell the user it might be out of date.",
    "I'd start by looking at {metric} broken down by source, because an average hides the problem.",
    "We put a timeout of {num} hundred milliseconds on {component} so one slow call can't take a request down.",
    "Honestly we used {tool} for that part, and it mostly just worked out of the box.",
    "The trade-off was latency against cost, and {metric} told us which side we were on.",
    "I wouldn't pick a model because it tops a leaderboard; I'd pick it for the context window and the price.",
    "We tried {model} first, and it was good enough once retrieval was fixed.",
    "The root cause turned out to be {component}, not the model at all.",
    "We added tracing with {tool}, so every answer could be followed back to the documents it used.",
    "So the way I think about it, each component has an interface, a failure mode and an owner.",
    "At one point I tweaked the system prompt a lot, which helped a bit, but it wasn't the real fix.",
    "We spot checked a few conversations every week, and later we replaced that with an automated suite.",
    "If I did it again I'd write the evaluation set before writing any prompt.",
    "The biggest risk was {failure}, so we load tested that case with {num} concurrent users.",
    "We kept a regression test for every incident, so the same bug couldn't come back quietly.",
    "Our budget was about {num} cents per conversation, which ruled out the biggest models.",
    "The data was messy, so {team} spent {time} cleaning the labels before we trusted any metric.",
    "I'm not sure, that never really came up while I was on the project.",
    "We measured it, and {metric} went from {num} to {num} percent after the change.",
    "Retrieval is really three calls: embed the query, search the index, and re-rank the top fifty.",
    "I'd ask who owns the data, because that decides how fast we can fix quality problems.",
    "It degraded gracefully: if {component} failed, we returned the search results without a generated summary.",
    "We rolled it out behind a feature flag to {num} percent of users and watched {metric} for {time}.",
    "There was a lot of pressure to ship, so we cut the evaluation work, and that came back to bite us.",
    "The team argued about {tool} versus building it ourselves, and we built it because we needed the control.",
    "We cached embeddings by content hash, which cut the cost by about {num} percent.",
    "I think the honest answer is that we didn't know it was broken until users complained.",
    "For the agent we capped the number of tool calls at {num}, and logged every step.",
    "The interesting failure was when {failure}, because nothing in the logs looked wrong.",
    "We wrote a small harness that replayed {num} production requests against every new prompt.",
]
_FILLERS = ["So, ", "Yeah, ", "Um, ", "I mean, ", "Right. ", "Honestly, ", "You know, ", "Okay, so ", ""]
_QUESTION = [
    "Tell me about {system} you built that failed in production. How did you find out?",
    "How did you know the answers were right?",
    "What happens if {failure}?",
    "Walk me through {component} at the level of the calls it makes.",
    "Quality has dropped over the past {time}. What do you investigate first?",
    "How did you choose {model} over the alternatives?",
    "What would you measure before launching this to {team}?",
    "How would you keep the cost under control as traffic grows?",
    "Where would you put the timeouts in that design, and why there?",
    "How do you decide between {tool} and building it yourself?",
    "Can you give me an example of a trade-off you got wrong?",
    "How did you test that it still works after {component} changed?",
    "What did {team} think of it once it was live?",
]
_FOLLOW_UP = [
    "Can you say more about that?",
    "And how did you measure that?",
    "What would you do differently?",
    "Why that number?",
    "Who noticed first?",
    "What did that cost you?",
    "And if that fails too?",
]
_CANDIDATE_QUESTIONS = [
    "Which cloud provider do you use?",
    "How do you evaluate the models you have in production today?",
    "Who owns the data the system is trained on?",
    "Are you committed to a specific model vendor?",
    "What does on-call look like for the AI features?",
    "What is the biggest constraint the team works under right now?",
]
_SMALL_TALK = [
    "Thanks for making the time today. We'll spend most of the hour on past projects and a design question.",
    "Great to meet you. I'm on the platform team, and I'll mostly listen and maybe ask a couple of questions.",
]


@dataclass(frozen=True)
class SynthTurn:
    speaker: str
    text: str
    start: float
    end: float


def default_speakers(minutes: int) -> int:
    """Two speakers for short screens, up to four for long panel interviews."""
    return 2 if minutes <= 10 else 3 if minutes <= 60 else 4


def _fill(template: str, rng: random.Random) -> str:
    out = template
    while "{" in out:
        a = out.index("{")
        b = out.index("}", a)
        out = out[:a] + rng.choice(_SLOTS[out[a + 1 : b]]) + out[b + 1 :]
    return out


def _sentences(rng: random.Random, words: int, bank: list[str]) -> str:
    parts: list[str] = []
    count = 0
    while count < words:
        s = _fill(rng.choice(bank), rng)
        if rng.random() < 0.25:
            filler = rng.choice(_FILLERS)
            keep = not filler or filler.endswith(". ") or s.startswith(("I ", "I'"))
            s = filler + (s if keep else s[0].lower() + s[1:])
        parts.append(s)
        count += len(s.split())
    return " ".join(parts)


def generate_turns(minutes: int, *, speakers: int | None = None, seed: int = 0) -> list[SynthTurn]:
    """The turns of a ``minutes``-long interview with ``speakers`` people (2-4)."""
    n = speakers or default_speakers(minutes)
    if not 2 <= n <= 4:
        raise ValueError("speakers must be 2, 3 or 4")
    rng = random.Random(f"{minutes}:{n}:{seed}")
    candidate = rng.choice(_CANDIDATES)
    interviewers = rng.sample(_INTERVIEWERS, n - 1)
    total_words = minutes * WORDS_PER_MINUTE
    words_per_s = WORDS_PER_MINUTE / 60
    turns: list[SynthTurn] = []
    clock = rng.uniform(1.0, 4.0)
    spoken = 0

    def say(speaker: str, text: str) -> None:
        nonlocal clock, spoken
        w = len(text.split())
        duration = w / words_per_s
        turns.append(SynthTurn(speaker, text, round(clock, 3), round(clock + duration, 3)))
        spoken += w
        clock += duration + rng.uniform(0.3, 1.5)

    lead = interviewers[0]
    say(lead, _SMALL_TALK[0])
    if n > 2:
        say(interviewers[1], _SMALL_TALK[1])
    say(candidate, "Thanks for having me. " + _sentences(rng, 40, _ANSWER))
    closing_words = 400
    while spoken < total_words - closing_words:
        asker = lead if n == 2 or rng.random() < 0.6 else rng.choice(interviewers[1:])
        say(
            asker,
            _fill(rng.choice(_QUESTION), rng)
            + ("" if rng.random() < 0.5 else " " + _sentences(rng, rng.randint(5, 30), _QUESTION)),
        )
        say(candidate, _sentences(rng, rng.randint(60, 300), _ANSWER))
        while rng.random() < 0.45 and spoken < total_words - closing_words:
            say(rng.choice(interviewers), rng.choice(_FOLLOW_UP))
            say(candidate, _sentences(rng, rng.randint(30, 140), _ANSWER))
    say(lead, "We're almost out of time. Do you have any questions for us?")
    for q in rng.sample(_CANDIDATE_QUESTIONS, 3):
        say(candidate, q)
        say(rng.choice(interviewers), _sentences(rng, rng.randint(25, 70), _ANSWER))
    say(lead, "Thanks, this was really helpful. We'll be in touch by the end of the week.")
    return turns


def _clock(t: float, *, millis: bool) -> str:
    h, rem = divmod(int(t), 3600)
    m, s = divmod(rem, 60)
    return f"{h:02d}:{m:02d}:{s:02d}" + (f".{int(round(t % 1, 3) * 1000):03d}" if millis else "")


def interview_text(turns: list[SynthTurn], fmt: str = "vtt") -> str:
    if fmt == "txt":
        return "\n\n".join(f"[{_clock(t.start, millis=False)}] {t.speaker}: {t.text}" for t in turns) + "\n"
    if fmt != "vtt":
        raise ValueError(f"unknown format {fmt!r}")
    out = ["WEBVTT", ""]
    cue = 0
    for t in turns:
        sentences = t.text.replace("? ", "?\n").replace(". ", ".\n").split("\n")
        groups: list[str] = []
        for s in sentences:  # Zoom cues: one or two sentences, at most ~30 words
            if groups and len(groups[-1].split()) + len(s.split()) <= 30:
                groups[-1] += " " + s
            else:
                groups.append(s)
        total = sum(len(g.split()) for g in groups) or 1
        start = t.start
        for g in groups:
            end = start + (t.end - t.start) * len(g.split()) / total
            cue += 1
            out += [str(cue), f"{_clock(start, millis=True)} --> {_clock(end, millis=True)}", f"{t.speaker}: {g}", ""]
            start = end
    return "\n".join(out)


def write_interview(
    minutes: int, *, fmt: str = "vtt", speakers: int | None = None, seed: int = 0, out_dir: Path = OUT_DIR
) -> Path:
    """Write the interview to ``out_dir`` (once; the bytes depend only on the arguments)."""
    n = speakers or default_speakers(minutes)
    path = out_dir / f"interview_{minutes}min_{n}sp_s{seed}.{fmt}"
    if not path.exists():
        out_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(interview_text(generate_turns(minutes, speakers=n, seed=seed), fmt), encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--minutes", type=int, default=60)
    p.add_argument("--speakers", type=int, help="2-4 (default: by length)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--format", dest="fmt", choices=["vtt", "txt"], default="vtt")
    p.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")
    p.add_argument("--all", action="store_true", help="write every benchmark length to benchmarks/out/")
    a = p.parse_args(argv)
    if a.all:
        for m in DURATIONS:
            path = write_interview(m, fmt=a.fmt, seed=a.seed)
            print(f"{path}  ({path.stat().st_size:,} bytes)")
        return 0
    text = interview_text(generate_turns(a.minutes, speakers=a.speakers, seed=a.seed), a.fmt)
    if a.output:
        a.output.parent.mkdir(parents=True, exist_ok=True)
        a.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
