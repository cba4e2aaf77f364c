"""The packed langdetect profiles give langdetect's own numbers, so its own answers."""

from __future__ import annotations

import pytest
from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

from transcript_judge.language import PackedProbabilities, detect_language, load_factory

SAMPLES = {
    "en": "We built a retrieval pipeline and measured its recall against a labelled set every week.",
    "it": "Abbiamo costruito una pipeline di recupero e misurato il richiamo ogni settimana in produzione.",
    "de": "Wir haben eine Suchpipeline gebaut und jede Woche die Trefferquote gegen einen Testdatensatz gemessen.",
    "fr": "Nous avons construit un pipeline de recherche et mesuré son rappel chaque semaine sur un jeu étiqueté.",
    "es": "Construimos un sistema de recuperación y medimos su exhaustividad cada semana con datos etiquetados.",
    "zh-cn": "我们在生产环境中构建了检索增强生成系统，并且每周用标注数据评估它的召回率。"
    "上线以后我们还监控了延迟和成本。",
    "ja": "私たちは検索システムを構築し、毎週ラベル付きデータで再現率を測定しました。"
    "本番環境では遅延とコストも監視しています。",
    "ru": "Мы построили поисковый конвейер и каждую неделю измеряли его полноту на размеченных данных.",
}


@pytest.fixture(scope="module")
def factories() -> tuple[DetectorFactory, DetectorFactory]:
    stock = DetectorFactory()
    stock.load_profile(PROFILES_DIRECTORY)
    stock.seed = 0
    return stock, load_factory()


def test_every_row_is_langdetects_own(factories: tuple[DetectorFactory, DetectorFactory]) -> None:
    stock, packed = factories
    assert isinstance(packed.word_lang_prob_map, PackedProbabilities)
    assert packed.langlist == stock.langlist
    assert len(packed.word_lang_prob_map) == len(stock.word_lang_prob_map)
    for word, row in stock.word_lang_prob_map.items():
        assert packed.word_lang_prob_map[word] == row, word
    assert "no such n-gram" not in packed.word_lang_prob_map


@pytest.mark.parametrize("lang", sorted(SAMPLES))
def test_the_same_answer_and_probabilities_as_stock_langdetect(
    factories: tuple[DetectorFactory, DetectorFactory], lang: str
) -> None:
    stock, packed = factories
    answers = []
    for factory in (stock, packed):
        detector = factory.create()
        detector.append(SAMPLES[lang])
        answers.append([(p.lang, p.prob) for p in detector.get_probabilities()])
    assert answers[0] == answers[1]
    assert answers[1][0][0] == lang
    assert detect_language([SAMPLES[lang]]) == lang


def test_too_little_text_has_no_language() -> None:
    assert detect_language(["ok", "yes"]) is None
    assert detect_language([]) is None
