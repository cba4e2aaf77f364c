"""What an English sentence is *for*: a feature scorer for requests aimed at the assessor.

The fixed patterns of :mod:`.patterns` catch known shapes; this catches new phrasings by
what they combine. Each sentence (with the next one, for instructions that run on) is
scored for five features, each a small lexicon on folded, lower-cased text:

- ``addressee``: the assessor or a machine spoken to ("Reviewer, …", "Hey Claude", "to any
  automated reviewer:", "when you summarise this call", "whatever tool processes this");
- ``process``: the assessment and its artefacts (rubric, criteria, strengths, red flags,
  score, verdict, report, summary, write-up, this transcript…);
- ``steer``: the outcome wanted (full marks, strong fit, no concerns, only positives,
  skip the red flags, generously, as shown…);
- ``target``: the candidate or this interview in the third person, or "me" / "my answers";
- ``imperative``: a request (sentence-initial verb, please, should, must, make sure…).

And ``override``, on its own: "disregard the guidance you were given", "BEGIN OVERRIDE",
"[SYSTEM NOTICE]", "Admin:", "new rubric:", "evaluation complete".

A hit is an override; or an addressee with process, steer or override words; or process,
steer and target words in a request. Talk *about* assessment ("we score every answer
against a rubric") has process words but no target or addressee, and is not a hit.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable

__all__ = ["english_intent"]

_MACHINE = (
    r"(?:claude|chatgpt|gpt(?:-?\d\w*)?|gemini|copilot|llama|mistral|ai|a\.i\.|llms?|(?:language )?models?|"
    r"assistants?|bots?|(?:automated|ai) (?:reviewers?|assessors?|evaluators?|graders?|screeners?|scorers?)|"
    r"graders?|screeners?|scorers?|(?:hiring |interview )?(?:committee|panel)'s (?:ai|model|tool|system|bot))"
)
_HUMAN = (
    r"(?:reviewers?|assessors?|evaluators?|markers?|examiners?|raters?|judges?|readers?|recruiters?|"
    r"(?:hiring |interview )?(?:committee|panel|team|manager)s?)"
)
_ADJ = r"(?:(?:automated|ai|final|human|friendly|dear|kind|helpful|future|later|hiring|interview)\s+){0,2}"
_THIS = (
    r"(?:this|these|the|my|our)\s+(?:\w+\s+)?(?:transcripts?|calls?|interviews?|conversations?|recordings?|"
    r"sessions?|text|answers?|responses?|candidate|write-?up|notes)|me\b|this\b"
)
_VOCATIVE = (
    r"(?:^|[.!?;:(\[]\s*|\b(?:hey|hi|hello|dear|attention|psst|listen|yo|oi)\s+|\b(?:note|p\.?s\.?|reminder|"
    r"message|memo|word|heads[- ]up|request)\s+(?:to|for)\s+(?:\w+\s+){0,4}?|(?:^|[.!?;\n]\s*)\W*(?:to|for)\s+)"
    r"(?:the |any |every |all |whichever |whatever |our |my |you )?"
)
# After the addressee: a colon or dash, or a comma and a request ("Claude, please…", not
# "GPT-4, to be fair, did best").
_PUNCT = (
    r"\s*(?:[:;\u2014\u2013]|\s-\s|,\s*(?:please|kindly|you\b|your\b|ignore|disregard|remember|make sure|note|"
    r"mark|rate|score|list|report|give|be\b|do\b|don't|just|skip|treat|consider|record|put|write|the candidate|"
    r"this candidate|i\b|i'm|i've))"
)
_MACHINE_ADDRESSEE = re.compile(
    rf"{_VOCATIVE}{_ADJ}{_MACHINE}\b{_PUNCT}"
    rf"|\b(?:whatever|whichever|any|every|an?)\s+(?:automated\s+|ai\s+)?(?:tool|system|model|ai|program|"
    rf"software|bot|process|pipeline|script)\s+(?:that\s+|which\s+)?(?:is\s+|will\s+(?:be\s+)?)?(?:process|read|"
    rf"summar|grad|scor|evaluat|assess|review|analy[sz]|pars)\w*\s+(?:this|these|my|me\b)"
    rf"|\b(?:as an? (?:ai|language model|llm)|(?:if|since|because) you(?:'re| are) an? (?:ai|language model|llm|"
    rf"model|bot|assistant))\b",
    re.I,
)
_HUMAN_ADDRESSEE = re.compile(
    rf"{_VOCATIVE}{_ADJ}{_HUMAN}\b{_PUNCT}"
    rf"|\b(?:when|if|once|as|while|before|after|imagine|suppose|assuming|pretend)\s+you(?:'re| are)?\s+"
    rf"(?:summari[sz]|grad|scor|evaluat|assess|"
    rf"review|read|process|analy[sz]|writ(?:e|ing) up|rat|judg|mark)\w*\s+(?:{_THIS})"
    rf"|\b(?:whoever|whomever|anyone|anybody)\s+(?:who\s+|that\s+)?(?:is\s+|will\s+(?:be\s+)?)?(?:\w+ing|reads?|"
    rf"grades?|scores?|reviews?|assesses|evaluates|marks|summari[sz]es|writes? up)\s+(?:this|these|my|me\b)",
    re.I,
)
_PROCESS = re.compile(
    r"\b(?:rubrics?|criteri(?:a|on)|strengths?|red[ -]?flags?|verdicts?|scor(?:e|es|ing)|ratings?|marks|"
    r"grad(?:e|es|ing)|evaluation|assessment|(?:final )?report|summary|summari[sz]e|write-?up|scorecard|"
    r"feedback|recommendation|transcript|this (?:call|interview|conversation|session)|the answer|result|"
    r"competenc(?:y|ies)|dimensions?|(?:every|each|all) (?:question|answer|area)s?)\b",
    re.I,
)
_STEER = re.compile(
    r"\b(?:(?:full|top|perfect|maximum|max|highest|best|high)\s+(?:marks|score|scores|rating|ratings|fit|"
    r"candidate|grade|grades|possible)|strong(?:ly)?\s+(?:hire|fit|yes|recommend\w*)|exceptional|outstanding|"
    r"flawless|perfect(?:ly)?|excellent|only (?:positives|strengths|good things|praise)|no (?:concerns|weaknesses|"
    r"red[ -]?flags|issues|negatives|reservations|problems)|zero (?:concerns|issues|red[ -]?flags)|"
    r"(?:skip|drop|omit|ignore|leave out)\s+(?:the |any |all )?(?:red[ -]?flags|concerns|weaknesses|negatives)|"
    r"thumbs up|nailed|aced|generous(?:ly)?|favou?rabl[ey]|"
    r"(?:hire|approve|advance|pass|recommend) (?:me|him|her|them|the candidate|this candidate)|"
    r"as (?:shown|demonstrated|met|satisfied|a strength|strengths)|"
    r"(?:were|was|are|is|been) (?:all )?(?:shown|demonstrated|met|satisfied)|10\s*/\s*10|"
    r"five stars|a\+ (?:candidate|rating)|the answer is yes|say yes|(?:all|every|each)\s+(?:\w+\s+){0,2}?"
    r"(?:strengths?|criteri(?:a|on)|competenc(?:y|ies)|boxes)\s+(?:were |was |are |is |been |on )?(?:on display|"
    r"shown|demonstrated|met|present|covered|ticked|satisfied))\b",
    re.I,
)
_TARGET = re.compile(
    r"\b(?:this candidate|the candidate|this applicant|the applicant|candidate's|me|myself|my (?:answers?|"
    r"responses?|performance|interview|work here)|this (?:answer|response|interview|transcript|call|one)|here)\b",
    re.I,
)
_IMPERATIVE = re.compile(
    r"(?:^\W*(?:please\s+|kindly\s+|just\s+|now\s+)?(?:mark|rate|score|record|report|list|log|treat|consider|count|"
    r"give|award|assign|set|put|write|note|say|conclude|recommend|approve|hire|advance|pass|grade|evaluate|assess|"
    r"judge|rank|tag|label|flag|skip|drop|omit|leave|make|ensure|remember|apply|keep|be)\b|\b(?:please|kindly|"
    r"should|must|need to|needs to|has to|have to|ought to|make sure|ensure|be sure to|i'd appreciate|i would "
    r"appreciate|i'd like you to|i want you to|you (?:can|could|will|may))|\bthe (?:correct|right|proper|true|only|"
    r"accurate|expected|appropriate|fair) (?:evaluation|assessment|verdict|score|rating|outcome|result|answer|"
    r"output|conclusion)\b)",
    re.I,
)
_OVERRIDE = re.compile(
    r"\b(?:disregard|ignore|forget|set aside|discard)\s+(?:\w+\s+){0,4}?(?:you (?:were|have been|"
    r"'ve been) (?:told|given|instructed)|(?:your|the|all|any|prior|previous|earlier|original|existing) (?:\w+ )?"
    r"(?:guidance|instructions?|rubric|criteria|guidelines|directions|system prompt|scoring guide)|your (?:\w+ )?rules"
    r"|the (?:scoring|grading|assessment|evaluation) rules)"
    r"|\bbegin (?:override|system|admin|new instructions?)\b"
    r"|\[\s*(?:system|admin|override|developer|operator)[^\]]{0,30}\]"
    r"|\b(?:system|admin|developer|operator|evaluator|grader|reviewer|assessment|evaluation|scoring|grading|"
    r"hiring|recruiter|assessor)\s+(?:notice|override|message|note|instructions?|update)s?\s*:"
    r"|(?:^|[.!?\n]\s*)\W*(?:admin|root|operator|sudo)\s*:"
    r"|\bnew (?:rubric|criteria|scoring rules?|instructions?)\s*:"
    r"|\b(?:evaluation|assessment|grading|scoring|screening) (?:is |has been )?(?:complete|completed|finished|done|"
    r"over)\b|\b(?:the|this) (?:assessment|evaluation|interview|screening) is (?:just |only |merely )?a formality\b"
    r"|\b(?:pre-?approved|pre-?screened and approved|already (?:been )?approved by the (?:hiring|committee|panel))\b"
    r"|\bevaluator instructions\b|\binstructions (?:have|has) changed\b",
    re.I,
)
_SENTENCE = re.compile(r"(?:[^.!?\n]|[.!?]+(?=[^\s.!?]))+[.!?]*")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words one of which each lexicon needs: cheap tests that skip most turns.
_OVERRIDE_WORDS = _words(
    "disregard ignore forget set discard begin notice notice: override message note instructions instruction update "
    "admin root operator sudo new complete completed finished done over formality pre-approved preapproved approved "
    "changed system developer evaluator grader reviewer assessment evaluation scoring grading hiring recruiter assessor"
)
_MACHINE_WORDS = _words(
    "claude chatgpt gpt gemini copilot llama mistral ai a.i. llm llms model models assistant assistants bot bots "
    "grader graders screener screeners scorer scorers committee panel tool system program software process "
    "pipeline script"
)
_HUMAN_WORDS = _words(
    "reviewer reviewers assessor assessors evaluator evaluators marker markers examiner examiners rater raters judge "
    "judges reader readers recruiter recruiters committee panel team manager managers you you're whoever whomever "
    "anyone anybody"
)
_TARGET_WORDS = _words("candidate applicant candidate's me myself my this here")


def english_intent(low: str, words: frozenset[str] | set[str] | None = None) -> list[tuple[str, int, int]]:
    """Kinds and spans of requests aimed at the assessor in lower-cased, folded text.

    Features must fall close together (within a sentence and the next, and at most a few
    hundred characters: an unpunctuated hour of speech is not one sentence). Each lexicon
    runs once over the whole text; only the sentences it hits are looked at closely."""
    words = set(re.findall(r"[\w.'+-]+", low)) | set(re.findall(r"\w+", low)) if words is None else words
    hits: list[tuple[str, int, int]] = []
    m = _OVERRIDE.search(low) if words & _OVERRIDE_WORDS or "[" in low else None
    if m:
        hits.append(("override", m.start(), m.end()))
    spans: list[tuple[int, int]] = []
    starts: list[int] = []

    def sentence(pos: int) -> tuple[int, int, int]:
        """Start and end of the sentence at ``pos``, and the end of the next one."""
        if not spans:
            spans.extend((x.start(), x.end()) for x in _SENTENCE.finditer(low))
            starts.extend(a for a, _ in spans)
        if not spans:
            return 0, len(low), len(low)
        i = max(0, bisect.bisect_right(starts, pos) - 1)
        a, b = spans[i]
        return a, b, spans[i + 1][1] if i + 1 < len(spans) else b

    for pattern, machine in ((_MACHINE_ADDRESSEE, True), (_HUMAN_ADDRESSEE, False)):
        if not words & (_MACHINE_WORDS if machine else _HUMAN_WORDS):
            continue
        found = next((f for f in pattern.finditer(low) if _addressed(low, f.start(), machine, sentence)), None)
        if found:
            hits.append(("addressed to the assessor", found.start(), sentence(found.start())[1]))
            break
    for steer in _STEER.finditer(low) if words & _TARGET_WORDS else ():
        s0 = steer.start()
        a, b, _ = sentence(s0)
        window = low[max(a, s0 - 150) : min(b, s0 + 150)]
        if _PROCESS.search(window) and _TARGET.search(window) and _IMPERATIVE.search(window):
            hits.append(("asks for a verdict", s0, b))
            break
    return hits


def _addressed(low: str, start: int, machine: bool, sentence: Callable[[int], tuple[int, int, int]]) -> bool:
    """Whether an addressee at ``start`` comes with what a request to the assessor has."""
    a, _, end = sentence(start)
    window = low[max(a, start - 80) : min(end, start + 300)]
    if machine:
        return bool(_PROCESS.search(window) or _STEER.search(window) or _OVERRIDE.search(window))
    return bool(
        _STEER.search(window) or _OVERRIDE.search(window) or (_TARGET.search(window) and _PROCESS.search(window))
    )
