"""The adaptive limiter and its 429 loop, tested directly (#12 item 10). Waits are recorded,
never slept, and nothing is asserted about wall-clock time."""

from __future__ import annotations

import asyncio

import pytest

from transcript_judge.errors import LLMRateLimitError
from transcript_judge.limiter import AdaptiveLimiter, RateLimitedLLM
from transcript_judge.llm.base import ChatRequest, ChatResult
from transcript_judge.llm.retry import RetryPolicy, retry_notice

REQUEST = ChatRequest(model="m", messages=({"role": "user", "content": "hi"},), schema_name="a", json_schema={})


class Scripted:
    """Answers 429 for the first ``rate_limited`` calls, then ok; counts calls in flight."""

    def __init__(self, rate_limited: int = 0, retry_after: float | None = None, sdk_retries: int = 0) -> None:
        self.left = rate_limited
        self.retry_after = retry_after
        self.sdk_retries = sdk_retries
        self.calls = 0
        self.in_flight = 0
        self.most_in_flight = 0

    async def complete(self, request: ChatRequest) -> ChatResult:
        self.calls += 1
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(0)  # let the other calls in, as a real request would
            if self.left > 0:
                self.left -= 1
                raise LLMRateLimitError("Rate limited (429)", retry_after=self.retry_after, status_code=429)
            return ChatResult(content="{}", retries=self.sdk_retries)
        finally:
            self.in_flight -= 1


@pytest.fixture
def waits(_no_rate_limit_waits: list[float]) -> list[float]:
    """The limiter's waits, recorded instead of slept (the suite's autouse fixture)."""
    return _no_rate_limit_waits


def test_pushback_halves_the_limit_and_clean_calls_grow_it_back_by_one() -> None:
    lim = AdaptiveLimiter(8, recover_after=2)
    lim.report(pushed_back=True)
    lim.report(pushed_back=True)
    assert (lim.limit, lim.lowest, lim.backoffs) == (2, 2, 2)
    for _ in range(3):
        lim.report(pushed_back=False)
    assert lim.limit == 3  # one step per two clean calls, not more
    for _ in range(20):
        lim.report(pushed_back=False)
    assert lim.limit == 8  # never above the maximum
    for _ in range(10):
        lim.report(pushed_back=True)
    assert lim.limit == 1 and lim.lowest == 1  # never below one


async def test_no_more_calls_are_in_flight_than_the_limit() -> None:
    inner = Scripted()
    llm = RateLimitedLLM(inner, AdaptiveLimiter(3))
    await asyncio.gather(*(llm.complete(REQUEST) for _ in range(12)))
    assert inner.calls == 12 and inner.most_in_flight == 3


async def test_a_429_waits_the_servers_retry_after_with_jitter_and_reports_it(waits: list[float]) -> None:
    notices: list[tuple[float, int, int, bool]] = []
    retry_notice.set(lambda wait, attempt, limit, rate_limited: notices.append((wait, attempt, limit, rate_limited)))
    try:
        lim = AdaptiveLimiter(4)
        policy = RetryPolicy(rate_limit_attempts=5)
        result = await RateLimitedLLM(Scripted(rate_limited=2, retry_after=2.0), lim, policy=policy).complete(REQUEST)
    finally:
        retry_notice.set(None)
    assert result.retries == 2  # the caller sees the retries it cost
    assert len(waits) == 2 and all(2.0 <= w <= 2.5 for w in waits)  # Retry-After, plus up to 25% jitter
    assert [(a, limit, why) for _, a, limit, why in notices] == [(1, 4, True), (2, 4, True)]  # a rate limit
    assert lim.limit == 1 and lim.backoffs == 2


async def test_without_retry_after_the_wait_backs_off_exponentially_up_to_the_cap(waits: list[float]) -> None:
    inner = Scripted(rate_limited=4)
    policy = RetryPolicy(rate_limit_attempts=9, base_delay_s=0.5, rate_limit_max_delay_s=3.0)
    llm = RateLimitedLLM(inner, AdaptiveLimiter(1), policy=policy)
    await llm.complete(REQUEST)
    bases = [1.0, 2.0, 3.0, 3.0]  # 0.5 * 2**attempt, capped at 3 s
    assert all(b <= w <= b * 1.25 for b, w in zip(bases, waits, strict=True))


async def test_after_max_attempts_the_429_goes_to_the_caller(waits: list[float]) -> None:
    inner = Scripted(rate_limited=100)
    with pytest.raises(LLMRateLimitError):
        await RateLimitedLLM(inner, AdaptiveLimiter(2), policy=RetryPolicy(rate_limit_attempts=3)).complete(REQUEST)
    assert inner.calls == 3 and len(waits) == 2


async def test_a_call_the_retry_policy_had_to_retry_counts_as_pushback() -> None:
    lim = AdaptiveLimiter(4)
    await RateLimitedLLM(Scripted(sdk_retries=1), lim).complete(REQUEST)
    assert lim.limit == 2 and lim.backoffs == 1
