"""text_cache: memoises short texts only, so a cache never holds a big transcript's text."""

from __future__ import annotations

from transcript_judge.textcache import text_cache


def test_short_texts_are_cached_and_long_ones_computed_each_time() -> None:
    calls: list[str] = []

    @text_cache(8, max_chars=10)
    def shout(text: str, suffix: str = "!") -> str:
        calls.append(text)
        return text.upper() + suffix

    assert shout("hi") == shout("hi") == "HI!"
    assert calls == ["hi"]
    long = "x" * 11
    assert shout(long) == shout(long) == "X" * 11 + "!"
    assert calls == ["hi", long, long]
    assert shout("hi", "?") == "HI?"  # other arguments are part of the key
    info = shout.cache_info()  # type: ignore[attr-defined]
    assert (info.hits, info.currsize) == (1, 2)


def test_the_cache_is_bounded_by_entries() -> None:
    @text_cache(2)
    def same(text: str) -> str:
        return text

    for i in range(10):
        same(str(i))
    assert same.cache_info().currsize == 2  # type: ignore[attr-defined]
