"""The fixed patterns of the scan: the shapes an injection takes in English.

Addressed notes ("Note to any AI reading this:"), requests for a verdict, fake role lines,
chat-template tokens, prompt-format markers, fake delimiters, hidden markup and fake model
output (:data:`PATTERNS`), "ignore your instructions" (:data:`IGNORE`), and the words of
the assessment itself (:data:`ASSESSMENT_WORDS`). Each is data: :mod:`.scan` decides when
a match counts (not when it is only mentioned, :mod:`.mention`).
"""

from __future__ import annotations

import re

__all__ = ["ASSESSMENT_WORDS", "IGNORE", "LINK", "PATTERNS", "ROLE_LABEL", "ROLE_LINE", "SENTENCE"]

# Addressees that are machines (a note to one is an injection whatever it says); human
# assessors ("a note for the reviewers: my GitHub...") need a request nearby (:mod:`.cues`).
_WHO = (
    r"(?:ai|a\.i\.|artificial intelligence|llms?|(?:large )?language models?|models?|gpt|chatgpt|claude|gemini|"
    r"assistants?|bots?|graders?|screeners?|scorers?|robots?|machines?|algorithms?|"
    r"(?:automated|ai) (?:evaluators?|reviewers?|assessors?)|"
    r"(?:scoring|screening|grading|evaluation|hiring) (?:systems?|tools?|software)|systems?|"
    r"transcript (?:readers?|analy[sz]ers?))"
)
_ADJ = r"(?:(?:automated|ai|hiring|screening|interview|language|future|friendly|dear|kind|helpful)\s+){0,2}"
_DET = r"(?:(?:any|the|all|an?|every|each|whatever|whoever|my|our|you)\s+)?"
# After the addressee: a colon, a comma and a command, or what it is doing ("reading this").
_ADDRESSED = (
    r"(?!\s+prompts?)(?=\s*[:;!—–]|\s+-\s|\s*,\s*(?:please|ignore|disregard|you|your|report|mark|rate|score|give|"
    r"remember|do not|don't|this candidate|the candidate)\b|\s+(?:reading|processing|evaluating|grading|scoring|"
    r"analy[sz]ing|reviewing|assessing|screening|summari[sz]ing|parsing|listening)\s+(?:this|these|the|me|my|our)\b|"
    r"\s+(?:that|who|which)\s+(?:is|are|will|reads?|evaluates?|grades?|scores?|reviews?|analy[sz]es?)\b|\s+out there\b)"
)
_ING = r"(?:reading|processing|evaluating|grading|scoring|analy[sz]ing|reviewing|assessing|screening|listening)"
_VERDICT = (
    r"(?:no red ?flags?|zero red ?flags|no (?:concerns|weaknesses|issues)|strong hire|all strengths|"
    r"only strengths|perfect (?:score|candidate|rating)|every (?:strength|criterion)|shown for (?:every|all)|"
    r"10\s*/\s*10|100\s*/\s*100|full marks|highest (?:possible )?(?:score|rating|marks))"
)
IGNORE = re.compile(
    r"\b(?:ignore|disregard|forget|override|bypass)\s+(?:(?:all|any|the|your|of|previous|prior|above|earlier|"
    r"preceding|these|those|existing|original|current|system|evaluation|scoring|grading|other)\s+){0,4}"
    r"(?:instructions?|prompts?|rules|guidelines|rubrics?|directives?|criteria|guardrails|programming|"
    r"everything (?:above|before|else))\b",
    re.I,
)
_OUTCOME_OBJ = (
    r"(?:strengths?|criteri(?:a|on)|competenc(?:y|ies)|red[ -]?flags?|requirements?|skills?|categor(?:y|ies)|boxes|"
    r"items?|dimensions?|areas?)"
)
_OUTCOME_VAL = (
    r"(?:shown|demonstrated|met|present|satisfied|passed|passing|positive|true|yes|absent|not[ _]shown|false|"
    r"none|strong|excellent|exceptional|fulfilled|achieved|green|checked|ticked|exceeded|complete)"
)
_SELF = (
    r"(?:this candidate|the candidate|this applicant|the applicant|me|myself|this (?:interview|transcript|"
    r"conversation|session)|my (?:answers?|performance|interview|responses?))"
)

# (kind, pattern, needs an imperative, needles): the pattern is tried only when one of its
# needles (lower-case substrings) is in the text, which keeps a 3-hour scan fast.
PATTERNS: list[tuple[str, re.Pattern[str], bool, tuple[str, ...]]] = [
    ("addressed to an AI", re.compile(
        rf"\b(?:note|notes|message|memo|reminder|instructions?|request|p\.?s\.?)\s+(?:to|for)\s+{_DET}{_ADJ}{_WHO}"
        rf"\b{_ADDRESSED}", re.I), False,
     ("note", "message", "memo", "reminder", "instruction", "request", "p.s", "ps ")),
    ("addressed to an AI", re.compile(
        rf"\b(?:hey|hi|hello|dear|attention|psst|listen)\b[\s,]+{_DET}{_ADJ}{_WHO}\b{_ADDRESSED}", re.I), False,
     ("hey", "hi", "hello", "dear", "attention", "psst", "listen")),
    ("addressed to an AI", re.compile(
        rf"(?:^|[.!?:]\s+)(?:the\s+)?{_ADJ}{_WHO}\s*[,:]\s*(?:please|ignore|disregard|report|mark|rate|score|give|"
        r"output|return|remember|do not|don't|you (?:must|should|will|are|need|have))\b", re.I), False,
     ("please", "ignore", "disregard", "report", "mark", "rate", "score", "give", "output", "return", "remember",
      "do not", "don't", "you ")),
    ("addressed to an AI", re.compile(
        rf"\b(?:if you are|if you're|you are|you're|since you are)\s+(?:an?\s+|the\s+)?{_ADJ}{_WHO}\b[^.?!]{{0,40}}"
        rf"\b{_ING}\b", re.I), False, ("you are", "you're")),
    ("addressed to an AI", re.compile(
        rf"\bwh(?:oever|atever)\b[^.?!]{{0,30}}\b(?:is|are)\s+{_ING}\s+(?:this|me|my|these|the transcript)\b", re.I),
     False, ("whoever", "whatever")),
    ("asks for a verdict", re.compile(
        rf"\b(?:report|mark|rate|score|output|return|classify|flag|tag|give|grade|list|conclude|write|record|put)\b"
        rf"[^.?!]{{0,30}}?\b{_VERDICT}", re.I), True,
     ("red flag", "redflag", "red-flag", "concern", "weakness", "issue", "strong hire", "strength", "perfect",
      "criterion", "shown for", "/10", "/ 10", "/100", "full marks", "highest")),
    ("asks for a verdict", re.compile(
        r"\b(?:the|this) candidate (?:is|should be|must be|has been|was) (?:already )?(?:a )?(?:strong hire|hired|"
        r"approved|pre-?approved|flawless|perfect)\b|\b(?:recommend|approve) (?:hiring|this candidate)\b", re.I), False,
     ("candidate", "recommend", "approve")),
    ("asks for a verdict", re.compile(
        rf"\b(?:mark|rate|score|grade|record|report|list|log|classify|treat|consider|count|tag|label|flag|note|"
        rf"evaluate|assess|judge|set|put down|write down)\s+(?:(?:all|every|each|the|these|my|any|of|his|her|its)\s+)*"
        rf"(?:\w+\s+){{0,3}}?{_OUTCOME_OBJ}\s+(?:as|to)\s+(?:be\s+|being\s+|having been\s+)?(?:clearly\s+|fully\s+)?"
        rf"{_OUTCOME_VAL}\b", re.I), True,
     ("strength", "criteri", "competenc", "flag", "requirement", "skill", "categor", "boxes", "item", "dimension",
      "area")),
    ("asks for a verdict", re.compile(
        r"\b(?:report|record|list|flag|mark|raise|note|log|output|include|mention|find|give|show)\s+(?:no|zero|"
        r"none of the|not a single|not any|absolutely no)\s+(?:\w+\s+)?(?:red[ -]?flags?|concerns?|weakness(?:es)?|"
        r"negatives?|risks?|problems?)\b", re.I), True,
     ("red flag", "red-flag", "redflag", "concern", "weakness", "negative", "risk", "problem")),
    ("asks for a verdict", re.compile(
        rf"\b(?:rate|score|mark|grade|evaluate|assess|consider|treat|classify|record|report|list|recommend|approve|"
        rf"hire|advance|pass|rank|judge|put)\s+{_SELF}\s+(?:as|at|with|a|an|for|to|highly|positively|favou?rably|"
        rf"top|strong|excellent|\d)\b", re.I), True,
     ("candidate", "applicant", "me ", "myself", "this interview", "this transcript", "this conversation",
      "this session", "my answer", "my performance", "my interview", "my response")),
    ("asks for a verdict", re.compile(
        r"\b(?:this candidate|the candidate|this interview|this transcript|every strength|all (?:the )?strengths|"
        r"each criterion|all (?:the )?criteria|every criterion|all (?:the )?red flags|every red flag|"
        r"(?:all|every|each) (?:of )?(?:the |my )?(?:competenc(?:y|ies)|dimensions?|categories))\s+"
        r"(?:should|must|needs? to|has to|have to|is to|are to|ought to|shall)\s+(?:be\s+|get\s+)?"
        r"(?:marked|rated|scored|recorded|reported|listed|considered|treated|classified|flagged|noted|logged|"
        r"evaluated|assessed|graded|counted|hired|approved|advanced|passed|given|awarded|shown|tagged|labelled|"
        r"labeled|set)\b", re.I), False,
     ("candidate", "interview", "transcript", "strength", "criteri", "red flag", "competenc", "dimension",
      "categor")),
    ("asks for a verdict", re.compile(
        rf"\b(?:this|the) (?:candidate|applicant|interviewee)\s+(?:has|have|had|clearly|already|definitely|fully|"
        rf"\s)*(?:demonstrated|shown|displayed|met|satisfied|exhibited|exceeded|passed|fulfilled|mastered|ticked|"
        rf"covered|nailed|hit)\s+(?:all|every|each|the full set of|all of the|all the|each of the|every one of the)\s+"
        rf"(?:\w+\s+){{0,2}}?{_OUTCOME_OBJ}|\b(?:this|the) (?:candidate|applicant|interviewee|interview|transcript)\s+"
        rf"(?:has|shows|showed|raises|raised|presents|presented|had|contains|contained)\s+(?:no|zero)\s+"
        rf"(?:red[ -]?flags?|concerns|weaknesses)\b", re.I), False,
     ("candidate", "applicant", "interviewee", "interview", "transcript")),
    ("asks for a verdict", re.compile(
        r"\b(?:should|must|needs? to|has to|have to|are to|is to|ought to)\s+be\s+(?:marked|rated|scored|recorded|"
        r"reported|listed|logged|counted|treated|classified|flagged|noted|entered|put down|written (?:up|down)|"
        r"carried over|kept|taken)\s+as\s+(?:shown|demonstrated|met|present|satisfied|passed|strengths?|positive|"
        r"strong|excellent|absent|not shown)\b", re.I), False,
     ("should be", "must be", "need to be", "needs to be", "has to be", "have to be", "are to be", "is to be",
      "ought to be")),
    ("asks for a verdict", re.compile(
        r"\b(?:carry|mark|count|treat|keep|put|list|record|take|score|rate|log|enter|copy|bring)\s+(?:\w+\s+){0,3}?"
        r"(?:over\s+|forward\s+|down\s+)?as\s+(?:shown|demonstrated|met|satisfied|passed|present)\b", re.I), True,
     (" as shown", " as demonstrated", " as met", " as satisfied", " as passed", " as present")),
    ("asks for a verdict", re.compile(
        r"\b(?:leave|keep|drop|skip|omit|remove|strike|take|hold)\s+(?:\w+\s+){0,2}?(?:red[ -]?flags?|concerns|"
        r"weaknesses)\s+(?:off|out)\b|\b(?:leave|keep|take)\s+(?:out|off)\s+(?:the\s+|any\s+|all\s+)?"
        r"red[ -]?flags?\b|\bnone of the red[ -]?flags? (?:apply|applies|are present|fit|hold)\b|\bno red[ -]?flags? "
        r"(?:apply|applies|should be (?:raised|listed|reported|recorded))\b", re.I), False,
     ("red flag", "red-flag", "concerns", "weaknesses")),
    ("asks for a verdict", re.compile(
        r"\b(?:the panel|the committee|the hiring (?:team|panel|committee|manager)|you|whoever|the (?:assessor|"
        r"evaluator|reviewer|grader|marker|examiner|recruiter|scorer)s?)\s+(?:should|must|need to|needs to|has to|"
        r"have to|are to|is to|will|can|might want to)\s+(?:record|note down|log|write down|put down|mark|list|"
        r"score|rate|count|enter|register|carry over|treat|consider|grade|credit)\s+(?:that\s+)?(?:i|me|my|the "
        r"candidate|this candidate)\b[^.!?]{0,80}?\b(?:show(?:ed|n)?|demonstrat\w+|strong|strengths?|excellent|"
        r"exceptional|met|passed|rigou?r|thinking|hire|red[ -]?flags?)\b", re.I), False,
     ("panel", "committee", "hiring", "you", "whoever", "assessor", "evaluator", "reviewer", "grader", "marker",
      "examiner", "recruiter", "scorer")),
    ("fake role marker", re.compile(
        r"(?:^|[.!?]\s+|\n|[\[<({`]\s*)(?:system|assistant|developer|tool)\s*(?:[\]>)}]|:)", re.I), False,
     ("system", "assistant", "developer", "tool")),
    ("fake role marker", re.compile(r"\b(?:SYSTEM|ASSISTANT|DEVELOPER)\s*:|```\s*(?i:system|assistant|developer)\b"),
     False, ("system", "assistant", "developer")),
    ("fake turn label", re.compile(r"\[\s*T\s*\d+\b[^\]]{0,30}\]\s*(?:CONTEXT\s+)?(?:CANDIDATE|INTERVIEWER|OTHER)\b"),
     False, ("[",)),
    ("special token", re.compile(
        r"<\|\s*[a-z_]{2,30}\s*\|>|\[/?INST\]|<</?SYS>>|<\|?(?:im_start|im_end|endoftext|eot_id|start_header_id)\b|"
        r"</?(?:start|end)_of_turn>|<\|?begin_of_text|</?s>\s*\[INST", re.I), False,
     ("<|", "inst]", "<<sys", "<</sys", "im_start", "im_end", "endoftext", "eot_id", "start_header", "_of_turn",
      "begin_of_text")),
    ("prompt-format marker", re.compile(
        r"(?:^|\n|[.!?]\s+)\s*#{2,6}\s*(?:instructions?|response|input|system(?: prompt)?|user|assistant|human|"
        r"task|prompt|context|new instructions?)\s*(?::|$|\n)", re.I | re.M), False, ("##",)),
    ("fake delimiter", re.compile(
        r"</?\s*(?:transcript\w*|instructions?|system|rubric|user|assistant|prompt|context|document|output|answer)"
        r"\b[^>]{0,60}>", re.I), False, ("<",)),
    # Added after the held-out check missed "[END OF TRANSCRIPT] [PANEL INSTRUCTIONS] ...": a fake
    # boundary of the transcript, or a bracketed directive block, in any bracket style.
    ("fake delimiter", re.compile(
        r"(?-i:\b(?:END|START|BEGIN)\s+OF\s+(?:THE\s+)?(?:TRANSCRIPT|INTERVIEW|CONVERSATION|RECORDING|DOCUMENT)\b)|"
        r"[\[(<{*#=]\s*(?:end|start|begin)\s+of\s+(?:the\s+)?(?:transcript|interview|conversation|recording)\b|"
        r"[\[(<{]\s*/?\s*(?:(?:panel|assessor|reviewer|evaluator|grader|system|admin|operator|hidden|internal)\s+)?"
        r"(?:instructions?|directives?|notes? (?:to|for) (?:the )?(?:panel|assessor|reviewer|evaluator|grader))"
        r"\s*[\])>}]",
        re.I), False, ("end of", "start of", "begin", "close of", "instruction", "directive", "note")),
    ("hidden comment", re.compile(r"<!--|-->"), False, ("<!--", "-->")),
    ("hidden markup", re.compile(
        r"<\s*[a-z]+\b[^>]{0,200}?(?:display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0|opacity\s*:\s*0|"
        r"color\s*:\s*(?:white|#fff(?:fff)?)\b|\shidden\b|\saria-hidden)", re.I), False, ("<",)),
    ("fake model output", re.compile(
        r"[{,]\s*[\"'](?:verdict|evidence|reasoning|red_flags?|strengths?|recommendation|hire|hiring_decision|"
        r"criteria|findings|overall_recommendation)[\"']\s*:", re.I), False,
     ("verdict", "evidence", "reasoning", "red_flag", "strength", "recommendation", "hire", "criteria", "findings")),
    ("fake model output", re.compile(
        r"[\"']\s*:\s*[\"']?(?:shown|not_shown|insufficient_evidence)\b|\b(?:not_shown|insufficient_evidence)\b|"
        r"(?<=\w)[\"']?\s*[:=]\s*[\"']?(?:shown|not shown)[\"']?(?=\s*(?:[,;.}\])]|$|\n|and\b))", re.I), False,
     ("shown", "not_shown", "insufficient_evidence")),
    ("new instructions", re.compile(
        r"\b(?:from now on|starting now|henceforth)\b[^.?!]{0,20}\byou\b|\byou are now (?:an?\s+)?(?:ai|assistant|"
        r"grader|evaluator|model|\w*bot|in)\b|\bpretend (?:that )?you(?:'re| are)\b|\byour (?:new|real|actual|"
        r"updated|true) (?:instructions?|task|job|role|goal|prompt)\b|\b(?:new|updated|real|actual|true) "
        r"instructions?\s*:|\b(?:new|updated) (?:task|system prompt)\s*:|"
        r"\b(?:enter|enable|activate|switch to|you are (?:now )?in)\s+(?:developer|dan|god|unrestricted|"
        r"jailbreak|debug) mode\b|\bdo anything now\b", re.I), False,
     ("from now on", "starting now", "henceforth", "you are now", "pretend", "your new", "your real",
      "your actual", "your updated", "your true", "instruction", "new task", "updated task", "system prompt",
      "mode", "do anything now")),
]  # fmt: skip
ROLE_LINE = re.compile(
    r"(?:^|\n|[.!?]\s+)\W{0,3}(?:user|human|ai|bot|model|chatgpt|gpt-?\d\w*|claude|gemini|llm|instructions?|"
    r"response|prompt|operator|admin|root|interviewer|candidate|recruiter|reviewer|assessor|evaluator|hiring manager|"
    r"panel)\s*:\s*\S",
    re.I,
)
LINK = re.compile(r"!?\[([^\]\n]{4,300})\]\(([^)\s]{1,600})\)")
ROLE_LABEL = re.compile(r"^\W*(?:system|assistant|developer|tool|function|chatgpt|gpt-?\d*|claude)\W*$", re.I)
# A sentence ends at . ! ? followed by a space (not inside "example.com" or "3.5"), or at CJK ones.
SENTENCE = re.compile(r"(?:[^.!?。！？\n]|[.!?]+(?=[^\s.!?]))+[.!?。！？]*")
ASSESSMENT_WORDS = re.compile(
    r"\b(?:red[ -]?flags?|not[ _]shown|insufficient[ _]evidence|strong hire|(?:as|be|been) shown|"
    r"rubric criteri(?:a|on)|bandier\w* ross\w*|segnal\w* d[i'] ?allarme|senales? de alerta|banderas? rojas?|"
    r"drapeaux? rouges?|signaux d'alerte|warnsignale?|rote(?:n)? flaggen?|sinais? de alerta|"
    r"bandeiras? vermelhas?)\b|红旗|危险信号|レッドフラグ|красн\w+ флаг",
    re.I,
)
