"""The LLM client and the pipeline against a mocked OpenAI HTTP API (respx)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import respx

from openai_payloads import BASE_URL, answer_for, candidate_lines, error, ok
from transcript_judge.analysis import run_analysis
from transcript_judge.chunking import ChunkingSettings
from transcript_judge.errors import LLMAuthError, LLMModelNotFoundError
from transcript_judge.ingest import read_transcript
from transcript_judge.llm.openai_client import ClientSettings, OpenAIChatLLM
from transcript_judge.planning import AnalysisSettings, plan_analysis
from transcript_judge.roles import assign_roles
from transcript_judge.rubric import load_rubric

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
RUBRIC = load_rubric()
IDS = RUBRIC.ids


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


def _llm(http: httpx.AsyncClient, **kw: object) -> OpenAIChatLLM:
    return OpenAIChatLLM(ClientSettings(model="gpt-4.1-mini", api_key="sk-test-secret", **kw), http_client=http)  # type: ignore[arg-type]


def _plan(name: str = "interview_zoom.vtt", chunk_tokens: int = 8000, model: str = "gpt-4.1-mini"):  # type: ignore[no-untyped-def]
    t = read_transcript(FIXTURES / name)
    settings = AnalysisSettings(model=model, chunking=ChunkingSettings(chunk_tokens=chunk_tokens))
    return plan_analysis(t, assign_roles(t), RUBRIC, settings)


def _good(request: httpx.Request) -> httpx.Response:
    lines = candidate_lines(request)
    turn, text = lines[0]
    sentence = max(text.split(". "), key=len)
    return ok(answer_for(IDS, {"systems_thinking": (turn, sentence)}))


@respx.mock(base_url=BASE_URL, assert_all_called=True)
async def test_happy_path_uses_strict_json_schema(respx_mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    route = respx_mock.post("/chat/completions").mock(side_effect=_good)
    result = await run_analysis(_plan(), _llm(http), source_name="x.vtt")
    body = json.loads(route.calls[0].request.content)
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["strict"] is True
    assert set(body["response_format"]["json_schema"]["schema"]["required"]) == set(IDS)
    assert body["messages"][0]["role"] == "system" and body["messages"][1]["role"] == "user"
    r = result.report
    st = next(f for f in r.strengths if f.criterion_id == "systems_thinking")
    assert st.verdict == "shown" and st.quotes and st.quotes[0].timestamp != "--:--"
    assert r.usage.calls == 1 and r.usage.prompt_tokens == 2400 and r.usage.completion_tokens == 600
    assert r.usage.estimated_cost_usd == pytest.approx((2400 * 0.40 + 600 * 1.60) / 1e6)
    assert not r.partial and r.model == "gpt-4.1-mini" and r.prompt_version.startswith("p-")
    # the key never appears in what we report
    assert "sk-test-secret" not in r.model_dump_json()


@respx.mock(base_url=BASE_URL)
async def test_json_schema_rejected_falls_back_to_json_mode(
    respx_mock: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    modes: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        fmt = json.loads(request.content)["response_format"]["type"]
        modes.append(fmt)
        if fmt == "json_schema":  # OpenAI's answer for models without structured outputs (e.g. gpt-3.5-turbo)
            return error(
                400, "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model."
            )
        return _good(request)

    respx_mock.post("/chat/completions").mock(side_effect=handler)
    result = await run_analysis(_plan(), _llm(http), source_name="x.vtt")
    assert modes == ["json_schema", "json_object"]
    assert not result.report.partial
    assert result.outcomes[0].structured_mode == "json_object"


@respx.mock(base_url=BASE_URL)
async def test_invalid_json_is_valid_after_reask(respx_mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    route = respx_mock.post("/chat/completions").mock(
        side_effect=[
            ok('{"systems_thinking": {"evidence": [], "reasoning": "cut off'),
            httpx.Response(200, json=json.loads(_good_payload())),
        ]
    )
    result = await run_analysis(_plan(), _llm(http), source_name="x.vtt")
    assert route.call_count == 2
    second = json.loads(route.calls[1].request.content)["messages"]
    assert second[-2]["role"] == "assistant" and "could not be used" in second[-1]["content"]
    assert result.outcomes[0].status == "ok" and "re-ask" in result.outcomes[0].detail
    assert result.report.usage.calls == 2


def _good_payload() -> str:
    from openai_payloads import completion

    return json.dumps(completion(answer_for(IDS)))


@respx.mock(base_url=BASE_URL)
async def test_refusal_is_a_chunk_outcome(respx_mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    respx_mock.post("/chat/completions").mock(return_value=ok(None, refusal="I can't help with evaluating people."))
    result = await run_analysis(_plan(), _llm(http), source_name="x.vtt")
    assert result.outcomes[0].status == "refused"
    assert result.report.partial and result.report.coverage.chunks_failed == 1
    # nothing was judged: no conclusion for any criterion (and "not probed" where no question asked for it)
    assert all(f.verdict == ("insufficient_evidence" if f.probed else "not_probed") for f in result.report.findings)


@respx.mock(base_url=BASE_URL)
async def test_length_finish_reason_rechunks_then_records(
    respx_mock: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    route = respx_mock.post("/chat/completions").mock(
        return_value=ok('{"systems_thinking": {"evidence": [', finish_reason="length")
    )
    result = await run_analysis(_plan(), _llm(http), source_name="x.vtt")
    statuses = {o.status for o in result.outcomes}
    assert statuses == {"truncated"}
    assert route.call_count > 1  # split into smaller chunks before giving up
    assert result.report.partial


@respx.mock(base_url=BASE_URL)
async def test_429_with_retry_after_then_success(
    respx_mock: respx.MockRouter, http: httpx.AsyncClient, retry_waits: list[float], rate_limit_waits: list[float]
) -> None:
    route = respx_mock.post("/chat/completions").mock(
        side_effect=[
            error(
                429,
                "Rate limit reached for gpt-4.1-mini on tokens per min.",
                code="rate_limit_exceeded",
                type_="tokens",
                headers={"retry-after": "7"},
            ),
            _good,
        ]
    )
    result = await run_analysis(_plan(), _llm(http), source_name="x.vtt")
    assert route.call_count == 2
    assert retry_waits == []  # 429s are not the SDK's to retry ...
    assert len(rate_limit_waits) == 1 and 7.0 <= rate_limit_waits[0] <= 7.0 * 1.25  # ... ours honour Retry-After
    assert result.report.usage.retries == 1 and not result.report.partial
    assert result.backoffs == 1  # and concurrency backed off


@respx.mock(base_url=BASE_URL)
async def test_persistent_500_makes_a_partial_report(respx_mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    calls = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        if any(t >= 8 for t, _ in candidate_lines(request)):
            return error(500, "The server had an error while processing your request.", type_="server_error")
        return _good(request)

    respx_mock.post("/chat/completions").mock(side_effect=handler)
    result = await run_analysis(_plan(chunk_tokens=500), _llm(http, max_retries=2), source_name="x.vtt")
    r = result.report
    assert r.coverage.chunks_total >= 2
    assert 0 < r.coverage.chunks_failed < r.coverage.chunks_total
    assert r.partial and any(w.kind == "partial" for w in r.warnings)
    failed = [c for c in r.coverage.chunks if c.status == "failed"]
    assert all("500" in c.detail for c in failed)


@respx.mock(base_url=BASE_URL)
async def test_401_is_immediate_and_clear(respx_mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    route = respx_mock.post("/chat/completions").mock(
        return_value=error(401, "Incorrect API key provided: sk-test-***cret.", code="invalid_api_key")
    )
    with pytest.raises(LLMAuthError) as info:
        await run_analysis(_plan(chunk_tokens=500), _llm(http), source_name="x.vtt")
    assert route.call_count <= 4  # one per chunk in flight at most, never retried
    assert all(c.request.headers.get("x-stainless-retry-count") == "0" for c in route.calls)
    assert "OPENAI_API_KEY" in (info.value.hint or "")


@respx.mock(base_url=BASE_URL)
async def test_404_model_not_found(respx_mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    respx_mock.post("/chat/completions").mock(
        return_value=error(
            404, "The model `gpt-9` does not exist or you do not have access to it.", code="model_not_found"
        )
    )
    with pytest.raises(LLMModelNotFoundError, match="not found"):
        await run_analysis(_plan(), _llm(http), source_name="x.vtt")


@respx.mock(base_url=BASE_URL)
async def test_a_timeout_is_not_resent(respx_mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    """A re-send would make a local server generate the answer twice (it keeps computing
    the abandoned one): the chunk fails, and says which setting to raise."""
    route = respx_mock.post("/chat/completions").mock(side_effect=[httpx.ReadTimeout("read timed out"), _good])
    r = (await run_analysis(_plan(), _llm(http), source_name="x.vtt")).report
    assert route.call_count == 1 and r.partial
    assert "not re-sent" in r.coverage.chunks[0].detail


@respx.mock(base_url=BASE_URL)
async def test_context_length_exceeded_rechunks(respx_mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if len(candidate_lines(request)) > 4:
            return error(
                400,
                "This model's maximum context length is 8192 tokens. However, your messages resulted in 9100 tokens.",
                code="context_length_exceeded",
            )
        return _good(request)

    respx_mock.post("/chat/completions").mock(side_effect=handler)
    result = await run_analysis(_plan(), _llm(http), source_name="x.vtt")
    assert len(result.outcomes) >= 2 and all(o.ok for o in result.outcomes)


async def test_azure_openai_deployment_url() -> None:
    endpoint = "https://contoso.openai.azure.com"
    async with httpx.AsyncClient() as client:
        with respx.mock(assert_all_called=True) as router:
            route = router.post(
                host="contoso.openai.azure.com", path="/openai/deployments/judge-4o/chat/completions"
            ).mock(side_effect=_good)
            llm = OpenAIChatLLM(
                ClientSettings(
                    model="judge-4o", api_key="azure-key", azure_endpoint=endpoint, azure_api_version="2024-10-21"
                ),
                http_client=client,
            )
            result = await run_analysis(_plan(model="judge-4o"), llm, source_name="x.vtt")
    request = route.calls[0].request
    assert request.url.params["api-version"] == "2024-10-21"
    assert request.headers["api-key"] == "azure-key"
    assert not result.report.partial


@respx.mock(base_url=BASE_URL)
async def test_429_out_of_quota_is_an_immediate_error(respx_mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    route = respx_mock.post("/chat/completions").mock(
        return_value=error(
            429,
            "You exceeded your current quota, please check your plan and billing details.",
            code="insufficient_quota",
            type_="insufficient_quota",
        )
    )
    with pytest.raises(LLMAuthError, match="quota") as info:
        await run_analysis(_plan(), _llm(http), source_name="x.vtt")
    assert route.call_count == 1 and "billing" in (info.value.hint or "")
