"""Token counting: the cache keeps line-sized texts only."""

from __future__ import annotations

from transcript_judge.tokens import get_counter


def test_long_texts_are_counted_but_not_kept() -> None:
    counter = get_counter("gpt-4.1-mini")
    cache = counter._cached.cache_info  # type: ignore[attr-defined]
    line = "We measured latency at the ninety-fifth percentile before and after the change."
    before = cache().currsize
    assert counter.count(line) == counter.count(line) > 0
    assert cache().currsize <= before + 1
    long = line * 100  # ~8,000 characters: a split turn's trial piece, a whole prompt
    size = cache().currsize
    assert counter.count(long) == counter.count(long) > counter.count(line)
    assert cache().currsize == size  # counted, not cached
