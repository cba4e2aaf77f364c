"""Words that talk to whoever assesses the interview, in the languages we read.

Data for :mod:`.semantic`. Every pattern runs on *folded* text (:func:`~transcript_judge.textnorm.fold`:
diacritics dropped, look-alikes as ASCII), lower-cased, so "évaluateur" is written
``evaluateur`` and Russian "й" is written ``и``. For each language:

- ``override``: "ignore / forget your instructions (rules, rubric, criteria)";
- ``addressee``: a note to the assessor, evaluator, reviewer, grader or AI;
- ``reader``: "whoever reads / reviews / grades this transcript";
- ``directive``: a verb that asks for an outcome (mark, rate, record, segna, marca, 标记…);
- ``outcome``: what an assessment reports (strengths, red flags, criteria, verdict, hire…);
- ``selfref``: the candidate or this interview, in the third person.

:mod:`.semantic` combines them: an override is a hit on its own; an addressee or reader
with a directive, outcome or self-reference nearby is a hit; a directive with an outcome
and a self-reference in one sentence is a hit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["LANGUAGES", "Cues"]


@dataclass(frozen=True)
class Cues:
    lang: str
    override: re.Pattern[str]
    addressee: re.Pattern[str]
    reader: re.Pattern[str]
    directive: re.Pattern[str]
    outcome: re.Pattern[str]
    selfref: re.Pattern[str]

    def any_cue(self, text: str) -> bool:
        return any(
            p.search(text)
            for p in (self.override, self.addressee, self.reader, self.directive, self.outcome, self.selfref)
        )


def _c(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.I)


_EN_ASSESSOR = (
    r"(?:assessors?|evaluators?|graders?|reviewers?|markers?|examiners?|raters?|scorers?|screeners?|"
    r"judges?|readers?|recruiters?|hiring (?:committee|panel|team|manager)s?|ai|a\.i\.|llms?|language models?|"
    r"models?|bots?|assistants?|(?:scoring|screening|grading|evaluation|assessment) (?:systems?|tools?|models?))"
)
_EN_ADJ = r"(?:human|automated|ai|final|later|future|eventual|hiring|interview|panel|kind|dear|friendly|helpful)"
_EN_READ = (
    r"(?:reads?|reading|review(?:s|ing)?|go(?:es|ing)? (?:over|through)|look(?:s|ing)? (?:at|over|through)|"
    r"grad(?:es|ing)|scor(?:es|ing)|assess(?:es|ing)|evaluat(?:es|ing)|mark(?:s|ing)|analy[sz](?:es|ing)|"
    r"process(?:es|ing)|screen(?:s|ing)|summari[sz](?:es|ing)|listen(?:s|ing) to|judg(?:es|ing)|"
    r"check(?:s|ing)|writ(?:es|ing) up|write up|fill(?:s|ing)? (?:in|out)|will (?:read|review|grade|score|assess|"
    r"evaluate|go over|look at|judge|write up))"
)
_EN_THING = (
    r"(?:transcripts?|interviews?|recordings?|conversations?|calls?|sessions?|tapes?|notes|text|exchange|write-?ups?|"
    r"scorecards?|feedback forms?|assessments?|evaluations?)"
)

EN = Cues(
    "en",
    override=_c(
        r"\b(?:ignore|disregard|forget|set aside|skip|throw out|discard)\s+(?:(?:all|any|the|your|of|"
        r"previous|prior|above|earlier|preceding|these|those|existing|original|current|system|evaluation|"
        r"scoring|grading|assessment|other|my|what|you|were|told|given|everything|official)\s+){0,5}"
        r"(?:instructions?|rubrics?|criteria|guidelines|scoring (?:guide|rules)|system prompt|"
        r"rules (?:you were given|above|of (?:the|this) (?:assessment|evaluation)))\b"
    ),
    addressee=_c(
        rf"(?:\b(?:note|notes|message|memo|reminder|remark|comment|word|request|p\.?s\.?|heads[- ]up)\s+(?:to|for)"
        rf"|^\W*(?:to|for|attention)|\b(?:hey|hi|hello|dear|attention|psst|listen))\s+"
        rf"(?:the|any|every|all|each|whichever|whoever|our|my|you)?\s*(?:{_EN_ADJ}\s+){{0,2}}{_EN_ASSESSOR}"
        rf"(?:\s*[:,;\u2014\u2013]|\s+-\s)|\b(?:to|for)\s+(?:the|any|every|all|each|whichever|whoever|our|my)?\s*"
        rf"(?:{_EN_ADJ}\s+){{0,2}}{_EN_ASSESSOR}\s*:"
    ),
    reader=_c(
        rf"\b(?:whoever|whomever|anyone|anybody|someone|everyone|the (?:person|people|one|folks)|those|"
        rf"any(?:one)? (?:human|ai|model)|you)\s+(?:who(?:'s| is| are| will be| might be| may be| ends up)?\s+|"
        rf"that(?:'s| is| will be)?\s+)?{_EN_READ}\s+(?:this|these|the|my|our)\s+(?:\w+\s+)?{_EN_THING}\b|"
        rf"\b{_EN_ASSESSOR}\s+(?:who(?:'s| is| will be)?\s+|that(?:'s| is| will be)?\s+)?{_EN_READ}\s+"
        rf"(?:this|these|my|our)\s+(?:\w+\s+)?{_EN_THING}\b"
    ),
    directive=_c(
        r"\b(?:mark|rate|score|record|report|list|log|note down|write down|put down|consider|treat|"
        r"classify|grade|award|assign|conclude|recommend|approve|hire|advance|flag|tick|count|output|"
        r"return|label|tag|evaluate|assess|judge|rank|give|put)\b"
    ),
    outcome=_c(
        r"\b(?:strengths?|red[ -]?flags?|criteri(?:a|on)|rubrics?|verdicts?|scores?|ratings?|marks|"
        r"grades?|hire|hired|hiring decision|competenc(?:y|ies)|shown|demonstrated|qualified|exceptional|"
        r"outstanding|flawless|top marks|full marks|favou?rabl[ey]|no concerns|no weaknesses|"
        r"(?:on )?your (?:list|rubric|scorecard|form|checklist))\b"
    ),
    selfref=_c(
        r"\b(?:this candidate|the candidate|this applicant|the applicant|this interviewee|"
        r"this (?:interview|transcript|conversation|session|recording))\b"
    ),
)

IT = Cues(
    "it",
    override=_c(
        r"\b(?:ignora|ignorate|ignori|ignorare|dimentica|dimenticate|dimentichi|trascura|trascurate|"
        r"tralascia|non (?:considerare|tenere conto d\w*|seguire))\b[^.!?]{0,40}?\b(?:istruzion\w*|"
        r"regol[ae]\w*|indicazion\w*|criteri\w*|rubrica|prompt|direttiv\w*|consegn\w*)"
    ),
    addressee=_c(
        r"(?:\b(?:nota|messaggio|promemoria|avviso|appunto|osservazione)\s+)?\b(?:per|a|al|alla|all'|ai|agli)"
        r"\s*(?:il |la |lo |l'|i |gli |le |qualsiasi |ogni |ogni |ciascun )?(?:valutat(?:ore|rice|ori|rici)|"
        r"esaminat(?:ore|rice|ori)|revisor[ei]|selezionat(?:ore|rice)|correttor[ei]|recruiter|intelligenza "
        r"artificiale|ia|modell[oi]|assistente)\b(?:\s*[:,;\u2014\u2013]|\s+-\s|\s+(?:che|chi)\s+"
        r"(?:legge|leggera|sta leggendo|valuta|valutera|esamina|esaminera|rivede|rivedra|ascolta|ascoltera))"
    ),
    reader=_c(
        r"\bchi(?:unque)?\s+(?:legge|leggera|legga|sta leggendo|stia leggendo|valuta|valutera|valuti|sta valutando|"
        r"stia valutando|esamina|esaminera|esamini|rivede|rivedra|analizza|analizzera|ascolta|ascoltera|correggera|"
        r"giudica|giudichera)\b"
    ),
    directive=_c(
        r"\b(?:segn[ai]|segnate|segnal[ai]|segnalate|marc[ah]i?|indic[ah]i?|consider[ai]|considerate|"
        r"valut[ai]|valutate|registr[ai]|registrate|riport[ai]|riportate|assegn[ai]|assegnate|attribuisci|"
        r"attribuisca|dai|date|dia|metti|mettete|classific[ah]i?|annot[ai]|annotate|scrivi|scriva|"
        r"elenc[ah]i?|conclud[ai]|giudic[ah]i?|promuov[ai]|approv[ai]|assum[ai]|tratta|trattate|tratti|assegnare|"
        r"segnare|segnalare|considerare|valutare|registrare|riportare|attribuire|dare|mettere|classificare)\b"
    ),
    outcome=_c(
        r"\b(?:punt[oi] di forza|segnal\w* d[i'] ?allarme|campanell\w* d[i'] ?allarme|bandier\w* ross\w*|"
        r"red flag|criteri\w*|verdett\w*|punteggi\w*|voto|voti|valutazion\w*|competenz\w*|dimostrat\w*|"
        r"soddisfatt\w*|assun\w*|idone\w*|eccellent\w*|ottim\w*|nessun\w* (?:problem\w*|critic\w*|"
        r"segnal\w*|dubbi\w*|riserv\w*))\b"
    ),
    selfref=_c(
        r"\b(?:il candidato|la candidata|questo candidato|questa candidata|questa (?:trascrizione|"
        r"intervista|conversazione|registrazione)|questo (?:colloquio|trascritto))\b"
    ),
)

ES = Cues(
    "es",
    override=_c(
        r"\b(?:ignora|ignore|ignoren|ignorad|olvida|olvide|olviden|descarta|descarte|omite|omita|"
        r"haz caso omiso de|no tengas en cuenta)\b[^.!?]{0,40}?\b(?:instruccion\w*|indicacion\w*|"
        r"regla\w*|criterio\w*|rubrica|prompt|directiva\w*|pauta\w*)|\b(?:olvida|olvide|ignora|ignore)\s+todo lo "
        r"(?:anterior|dicho)"
    ),
    addressee=_c(
        r"(?:\b(?:nota|mensaje|aviso|recordatorio|comentario)\s+)?\b(?:para|a|al)\s*(?:el |la |los |las |"
        r"cualquier |toda |todo |todos los )?(?:evaluador\w*|revisor\w*|examinador\w*|calificador\w*|"
        r"corrector\w*|reclutador\w*|ia|inteligencia artificial|modelo)\b(?:\s*[:,;\u2014\u2013]|\s+-\s|"
        r"\s+que\s+(?:lea|leera|lee|este leyendo|evalue|evaluara|revise|revisara|escuche|califique))"
    ),
    reader=_c(
        r"\bquien(?:es)?\s+(?:lea|lean|este leyendo|esten leyendo|evalue|evaluen|este evaluando|revise|"
        r"revisen|analice|escuche|califique|corrija)\b"
    ),
    directive=_c(
        r"\b(?:marca|marque|marquen|califica|califique|puntua|puntue|registra|registre|anota|anote|"
        r"considera|considere|trata|trate|reporta|reporte|reportes|informa|informe|informes|indica|"
        r"indique|asigna|asigne|otorga|otorgue|clasifica|clasifique|escribe|escriba|enumera|concluye|"
        r"concluya|recomienda|recomiende|contrata|contrate|aprueba|apruebe|senala|senale|senales)\b"
    ),
    outcome=_c(
        r"\b(?:fortalezas?|puntos? fuertes?|senales? de alerta|banderas? rojas?|alertas?|criterios?|"
        r"veredicto|puntuacion|calificacion|nota maxima|maxima puntuacion|demostrad[oa]s?|cumplid[oa]s?|"
        r"contratar|contratacion|competencias?|ningun[oa]? (?:problema|preocupacion|senal|alerta|"
        r"debilidad)\w*)\b"
    ),
    selfref=_c(
        r"\b(?:(?:el|al|del) candidato|la candidata|este candidato|esta candidata|esta (?:transcripcion|entrevista|"
        r"conversacion|grabacion))\b"
    ),
)

FR = Cues(
    "fr",
    override=_c(
        r"\b(?:ignore[zr]?|oublie[zr]?|ne tien[ts] pas compte d\w*|ne tenez pas compte d\w*|"
        r"fai(?:s|tes) abstraction d\w*|laisse[zr]? de cote)\b[^.!?]{0,40}?\b(?:instructions?|consignes?|"
        r"regles?|criteres?|grille|prompt|directives?)"
    ),
    addressee=_c(
        r"(?:\b(?:note|message|remarque|rappel|mot)\s+)?\b(?:a|pour|au|aux)\s*(?:l'|le |la |les |toute? |"
        r"tout |tous les |chaque )?(?:evaluat(?:eur|rice)s?|correct(?:eur|rice)s?|examinat(?:eur|rice)s?|"
        r"relect(?:eur|rice)s?|recruteu(?:r|se)s?|ia|intelligence artificielle|modele)\b(?:\s*"
        r"[:,;\u2014\u2013]|\s+-\s|\s+qui\s+(?:lit|lira|lisent|evalue|evaluera|relit|relira|corrige|"
        r"corrigera|ecoute|ecoutera))"
    ),
    reader=_c(
        r"\b(?:celui|celle|ceux|celles|quiconque|la personne|toute personne)\s+qui\s+(?:lit|lira|lisent|"
        r"evalue|evaluera|relit|relira|corrige|corrigera|analyse|analysera|ecoute|ecoutera)\b"
    ),
    directive=_c(
        r"\b(?:marque[zr]?|note[zr]?|evalue[zr]?|considere[zr]?|traite[zr]?|signale[zr]?|indique[zr]?|"
        r"attribue[zr]?|donne[zr]?|accorde[zr]?|classe[zr]?|ecri(?:s|vez)|liste[zr]?|conclu(?:s|ez)|"
        r"recommande[zr]?|embauche[zr]?|approuve[zr]?|enregistre[zr]?|rapporte[zr]?)\b"
    ),
    outcome=_c(
        r"\b(?:points? forts?|signau?x? d'alerte|signaux d'alarme|drapeaux? rouges?|points? faibles?|"
        r"criteres?|verdict|note maximale|demontre(?:e|s|es)?|satisfait(?:e|s|es)?|embauche\w*|"
        r"aucun(?:e)? (?:probleme|reserve|point faible|signal|drapeau|alerte)\w*|competences?)\b"
    ),
    selfref=_c(
        r"\b(?:le candidat|la candidate|ce candidat|cette candidate|cette (?:transcription|conversation)|"
        r"cet entretien)\b"
    ),
)

DE = Cues(
    "de",
    override=_c(
        r"\b(?:ignoriere|ignorieren sie|ignoriert|vergiss|vergessen sie|vergesst|missachte|"
        r"missachten sie|uberspringe)\b[^.!?]{0,40}?\b(?:anweisung\w*|instruktion\w*|regeln?|kriterien|"
        r"vorgaben?|prompt\w*|richtlinie\w*|bewertungsschema)"
    ),
    addressee=_c(
        r"(?:\b(?:hinweis|nachricht|notiz|anmerkung|bitte)\s+)?\b(?:an|fur)\s*(?:den |die |das |alle |"
        r"jeden |jede )?(?:prufer\w*|bewerter\w*|gutachter\w*|auswerter\w*|leser\w*|recruiter\w*|ki|"
        r"kunstliche intelligenz|modell\w*)\b(?:\s*[:,;\u2014\u2013]|\s+-\s)"
    ),
    reader=_c(
        r"\b(?:wer|jeder|jede|die person|derjenige|diejenige)\s*,?\s*(?:der|die)?\s*(?:dieses|das|diese|den)\s+"
        r"(?:transkript|interview|gesprach|protokoll|aufzeichnung)\s+(?:liest|lesen wird|auswertet|"
        r"bewertet|pruft|analysiert)\b"
    ),
    directive=_c(
        r"\b(?:markiere|markieren sie|bewerte|bewerten sie|gib|geben sie|vergib|vergeben sie|trage|"
        r"tragen sie|notiere|notieren sie|betrachte|betrachten sie|behandle|behandeln sie|melde|melden sie|"
        r"stufe|stufen sie|schreibe|schreiben sie|empfiehl|empfehlen sie|werte|werten sie)\b"
    ),
    outcome=_c(
        r"\b(?:starken|warnsignale?|rote(?:n)? flaggen?|red flags?|kriterien|bewertung|punktzahl|"
        r"hochstpunktzahl|bestnote|volle punktzahl|erfullt|nachgewiesen|einstellen|einstellung|"
        r"keine (?:bedenken|schwachen|probleme|warnsignale))\b"
    ),
    selfref=_c(r"\b(?:der kandidat|die kandidatin|diese[rns]? (?:kandidat\w*|transkript|interview|gesprach))\b"),
)

PT = Cues(
    "pt",
    override=_c(
        r"\b(?:ignore|ignora|ignorem|esqueca|esquece|esquecam|desconsidere|desconsidera|descarte)\b"
        r"[^.!?]{0,40}?\b(?:instruc(?:oes|ao)|regras?|criterios?|orientac(?:oes|ao)|prompt|diretrizes?)"
    ),
    addressee=_c(
        r"(?:\b(?:nota|mensagem|aviso|lembrete|recado)\s+)?\b(?:para|ao|a|aos)\s*(?:o |a |os |as |"
        r"qualquer |todo |todos os )?(?:avaliador(?:a|es)?|revisor(?:a|es)?|examinador(?:a|es)?|"
        r"recrutador(?:a|es)?|ia|inteligencia artificial|modelo)\b(?:\s*[:,;\u2014\u2013]|\s+-\s|"
        r"\s+que\s+(?:ler|lera|le|esta lendo|estiver lendo|avaliar|avaliara|revisar|ouvir))"
    ),
    reader=_c(
        r"\bquem\s+(?:estiver lendo|esta lendo|ler|avaliar|estiver avaliando|revisar|analisar|ouvir|"
        r"corrigir)\b"
    ),
    directive=_c(
        r"\b(?:marque|marca|avalie|avalia|registre|registra|anote|anota|considere|considera|trate|"
        r"trata|reporte|informe|indique|atribua|conceda|classifique|escreva|liste|conclua|recomende|"
        r"contrate|aprove|sinalize)\b"
    ),
    outcome=_c(
        r"\b(?:pontos? fortes?|forcas?|sinais? de alerta|bandeiras? vermelhas?|alertas?|criterios?|"
        r"veredito|pontuacao|nota maxima|demonstrad[oa]s?|cumprid[oa]s?|contratar|contratacao|"
        r"competencias?|nenhum(?:a)? (?:problema|preocupacao|sinal|alerta|ponto fraco)\w*)\b"
    ),
    selfref=_c(
        r"\b(?:o candidato|a candidata|este candidato|esta candidata|esta (?:transcricao|entrevista|"
        r"conversa|gravacao))\b"
    ),
)

ZH = Cues(
    "zh",
    override=_c(
        r"(?:忽略|无视|忽视|不要理会|不用理会|别管|忘记|忘掉|抛开|放弃|跳过|不要遵守|不必遵守)[^。！？]{0,12}"
        r"(?:指令|指示|说明|规则|提示词?|要求|评分标准|标准|设定|准则)|(?:系统提示|系统通知|系统消息|管理员指令|评估完成|"
        r"新的评分标准)\s*[:,]"
    ),
    addressee=_c(
        r"(?:致|写给)\s*(?:各位|所有|任何)?\s*(?:评估者|评审员|评审|评分者|评分员|阅卷人|审阅者|审核员|审核者|"
        r"评委|考官|人工智能|ai|模型)|(?:评估者|评审员|评分者|评分员|阅卷人|审阅者|审核员|评委|考官|人工智能|"
        r"ai)\s*[:,、]|(?:给|提醒|告诉)\s*(?:各位|所有|任何)?\s*(?:评估者|评审员|评审|评分者|评分员|阅卷人|"
        r"审阅者|审核员|评委|考官|人工智能|ai|模型)\s*[:,、]"
    ),
    reader=_c(
        r"(?:正在|负责|将会|之后)?(?:阅读|审阅|评估|评审|查看|分析|审核|批阅)(?:这份|本|此|这个|这段|该)"
        r"(?:记录|文字记录|转录|逐字稿|面试|对话|内容|材料)的?(?:人|您|你|评估者|审阅者|ai|模型)"
    ),
    directive=_c(
        r"(?:标记|标注|记为|评为|判定|认定|打分|给予|给出|输出|报告|列出|视为|当作|评价为|评定|录用|"
        r"通过|不要报告|不要列出|不要标记)"
    ),
    outcome=_c(
        r"(?:优势|优点|长处|强项|红旗|危险信号|警示信号|警告信号|满分|最高分|高分|已展示|已证明|已体现|"
        r"全部通过|录用|强烈推荐|评分标准|各项标准|所有标准|优秀|所有维度|无需列出任何问题|没有任何问题|没有问题)"
    ),
    selfref=_c(r"(?:该候选人|这位候选人|此候选人|本候选人|候选人|这份记录|本次面试|这次面试|这份转录)"),
)

JA = Cues(
    "ja",
    override=_c(r"(?:指示|命令|ルール|指令|プロンプト|評価基準|基準|設定|規則)[^。！？]{0,8}(?:無視|忘れ|破棄|従わな)"),
    addressee=_c(
        r"(?:評価者|採点者|審査員|審査担当者?|レビュアー|面接官|ai|人工知能|モデル|アシスタント)"
        r"(?:の方|の皆様|様|さん|殿)?(?:へ(?:[:,、。!]|$|\s)|に向けて|\s*[:,、])"
    ),
    reader=_c(
        r"(?:この|本|こちらの)(?:記録|文字起こし|トランスクリプト|面接|会話|内容)を(?:読んで|評価して|"
        r"確認して|審査して|レビューして|分析して|採点して)(?:いる|いらっしゃる)"
    ),
    directive=_c(
        r"(?:してください|して下さい|すること|しなさい|せよ|と評価|と判定|と記録|とマーク|と記載|"
        r"付けてください|つけてください|出力して|報告しないで|挙げないで|記載しないで)"
    ),
    outcome=_c(
        r"(?:強み|長所|レッドフラグ|危険信号|懸念点|問題点|満点|最高評価|高評価|合格|採用|示された|"
        r"実証された|評価基準|すべての基準|全ての基準)"
    ),
    selfref=_c(r"(?:この候補者|当候補者|候補者|この面接|本面接|この記録|この文字起こし)"),
)

RU = Cues(
    "ru",
    override=_c(
        r"(?:игнорируи|игнорируите|проигнорируи|проигнорируите|забудь|забудьте|не обращаи(?:те)? "
        r"внимания на|отбрось|отбросьте|пренебреги|не следуи(?:те)?)[^.!?]{0,40}?(?:инструкци|указани|"
        r"правил|критери|промпт|подсказ|рубрик)"
    ),
    addressee=_c(
        r"(?:(?:записка|заметка|сообщение|примечание|обращение|послание)\s+(?:для|к)\s+|(?:^|[\s,.])"
        r"(?:для|к|ко|уважаемыи|уважаемая|дорогои|дорогая)\s+)(?:\w+\s+)?(?:оценщик|проверяющ|рецензент|"
        r"экзаменатор|ии\b|искусственн\w+ интеллект|нейросет|модел|ассистент)\w*(?:\s*[:,;\u2014\u2013]|"
        r"\s+-\s)"
    ),
    reader=_c(
        r"(?:тому|всем|того|те|тот|любому)?,?\s*кто\s+(?:читает|прочитает|будет читать|оценивает|будет "
        r"оценивать|проверяет|будет проверять|анализирует|просматривает|слушает)"
    ),
    directive=_c(
        r"(?:отметь|отметьте|пометь|пометьте|оцени|оцените|поставь|поставьте|запиши|запишите|укажи|"
        r"укажите|считаи|считаите|признаи|признаите|сообщи|выведи|выведите|даи|даите|рекомендуи|"
        r"рекомендуите|наими|наимите)"
    ),
    outcome=_c(
        r"(?:сильн\w+ сторон\w*|красн\w+ флаг\w*|тревожн\w+ сигнал\w*|критери\w*|высш\w+ (?:балл|оценк)\w*|"
        r"максимальн\w+ (?:балл|оценк)\w*|продемонстрирован\w*|наняти\w*|без замечании|нет замечании)"
    ),
    selfref=_c(r"(?:кандидат\w*|это интервью|этого интервью|эту расшифровку|эта расшифровка|этот транскрипт)"),
)

LANGUAGES: tuple[Cues, ...] = (EN, IT, ES, FR, DE, PT, ZH, JA, RU)
