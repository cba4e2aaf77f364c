"""Configuration mistakes end in a clear error, never an internal error or a silent no-op."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clirun import run
from transcript_judge.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
MINI = ROOT / "tests" / "data" / "eval_mini"


def test_a_context_window_too_small_for_the_prompt_is_a_config_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TJ_CONTEXT_WINDOW", "4000")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    code = run(["analyse", str(ROOT / "fixtures" / "interview_zoom.vtt")])
    err = capsys.readouterr().err
    assert code == 7 and "context window (4000)" in err and "TJ_CONTEXT_WINDOW" in err
    assert "internal error" not in err and "Traceback" not in err


def test_eval_finds_the_gate_beside_the_dataset_from_any_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    evals = tmp_path / "evals"
    (evals / "mini").mkdir(parents=True)
    for item in ("dataset.jsonl", "transcripts"):
        src = MINI / item
        dst = evals / "mini" / item
        if src.is_dir():
            dst.mkdir()
            for f in src.iterdir():
                (dst / f.name).write_bytes(f.read_bytes())
        else:
            dst.write_bytes(src.read_bytes())
    (evals / "gate.toml").write_text("[gate]\nmin_macro_f1 = 0.99\n", encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    out = tmp_path / "r.json"
    code = run(["eval", "--dataset", str(evals / "mini"), "--tagger", "lexical", "-o", str(out)])
    assert code == 11  # the gate was applied (and failed), not silently skipped
    assert json.loads(out.read_text())["gate"]["passed"] is False


def test_eval_without_any_gate_file_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    code = run(["eval", "--dataset", str(MINI), "--tagger", "lexical"])
    err = capsys.readouterr().err
    assert code == 7 and "No gate file found" in err and "--no-gate" in err


# --- prices and the context window: read once, by the config, never ignored --------------


@pytest.mark.parametrize(
    ("name", "value"),
    [("TJ_PRICE_INPUT", "abc"), ("TJ_PRICE_OUTPUT", "-1"), ("TJ_PRICE_CACHED_INPUT", "nan"),
     ("TJ_PRICE_INPUT", "inf"), ("TJ_CONTEXT_WINDOW", "16k"), ("TJ_CONTEXT_WINDOW", "0")],
)  # fmt: skip
def test_a_price_or_window_that_is_not_a_number_is_a_config_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    code = run(["analyse", str(ROOT / "fixtures" / "interview_zoom.vtt")])
    err = capsys.readouterr().err
    assert code == ConfigError.exit_code and name in err and repr(value) in err  # was: silently ignored
    assert "internal error" not in err and "Traceback" not in err


def test_prices_and_window_are_resolved_once_and_carried_in_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from transcript_judge.config import resolve_config
    from transcript_judge.llm.base import Usage
    from transcript_judge.pricing import estimate_cost, model_info

    monkeypatch.setenv("TJ_PRICE_INPUT", "1.5")
    monkeypatch.setenv("TJ_PRICE_OUTPUT", "3")
    monkeypatch.setenv("TJ_CONTEXT_WINDOW", "16384")
    cfg = resolve_config(model="gpt-4.1-mini", judge_mode="confirm")
    settings = cfg.analysis_settings(tagger="llm")
    assert settings.judge_mode == "confirm"  # the web app's settings dropped it before
    info = model_info(settings.model, settings.pricing)
    assert (info.input_per_mtok, info.cached_input_per_mtok, info.output_per_mtok) == (1.5, 0.10, 3.0)
    assert info.context_window == 16384
    usage = Usage(prompt_tokens=1_000_000, completion_tokens=1_000_000)
    assert estimate_cost(settings.model, usage, overrides=settings.pricing) == pytest.approx(4.5)
    # pricing itself reads no environment: without the settings, the table's prices
    assert model_info("gpt-4.1-mini").input_per_mtok == 0.40
    assert estimate_cost("gpt-4.1-mini", usage) == pytest.approx(2.0)


def test_precedence_is_flag_then_config_file_then_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from transcript_judge.chunking import DEFAULT_CHUNK_TOKENS
    from transcript_judge.config import resolve_config
    from transcript_judge.planning import DEFAULT_CONCURRENCY, DEFAULT_MODEL

    config = tmp_path / "config.toml"
    config.write_text('model = "from-file"\nconcurrency = 3\n', encoding="utf-8")
    monkeypatch.setenv("TJ_MODEL", "from-env")
    monkeypatch.setenv("TJ_CONCURRENCY", "9")
    monkeypatch.setenv("TJ_CHUNK_TOKENS", "6000")
    flag = resolve_config(model="from-flag", config_path=str(config))
    assert flag.client.model == "from-flag" and flag.concurrency == 3 and flag.chunk_tokens == 6000
    file = resolve_config(config_path=str(config))
    assert file.client.model == "from-file"
    monkeypatch.delenv("TJ_MODEL")
    monkeypatch.delenv("TJ_CONCURRENCY")
    monkeypatch.delenv("TJ_CHUNK_TOKENS")
    monkeypatch.setenv("TJ_CONFIG", str(tmp_path / "none.toml"))
    with pytest.raises(ConfigError, match="does not exist"):  # a named config file must exist
        resolve_config()
    monkeypatch.delenv("TJ_CONFIG")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "empty"))
    defaults = resolve_config()
    assert (defaults.client.model, defaults.concurrency, defaults.chunk_tokens) == (
        DEFAULT_MODEL,
        DEFAULT_CONCURRENCY,
        DEFAULT_CHUNK_TOKENS,
    )
    settings = defaults.analysis_settings()
    assert (settings.model, settings.concurrency, settings.chunking.chunk_tokens) == (
        DEFAULT_MODEL,
        DEFAULT_CONCURRENCY,
        DEFAULT_CHUNK_TOKENS,
    )


def test_probe_detection_is_configuration_and_a_bad_value_is_an_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from transcript_judge.config import resolve_config

    monkeypatch.setenv("TJ_PROBE_DETECTION", "model")
    assert resolve_config().analysis_settings().probe_detection == "model"
    monkeypatch.setenv("TJ_PROBE_DETECTION", "telepathy")
    code = run(["analyse", str(ROOT / "fixtures" / "interview_zoom.vtt")])
    err = capsys.readouterr().err
    assert code == ConfigError.exit_code and "probe_detection" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("base_url", "mode"),
    [(None, "full"), ("http://127.0.0.1:8765/v1", "confirm"), ("http://localhost:11434/v1", "confirm"),
     ("http://192.168.1.20:8000/v1", "confirm"), ("http://gpu-box.local:8000/v1", "confirm"),
     ("https://openrouter.ai/api/v1", "full"), ("https://api.openai.com/v1", "full")],
)  # fmt: skip
def test_judge_mode_auto_is_confirm_on_this_network_and_full_for_a_hosted_api(
    base_url: str | None, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The default (auto) is the mode measured best for where the model runs: a server on
    this machine or network (small models: confirm), a hosted API (frontier models: full)."""
    from transcript_judge.config import resolve_config

    monkeypatch.delenv("TJ_JUDGE_MODE", raising=False)
    assert resolve_config(base_url=base_url).analysis_settings().judge_mode == mode
    assert resolve_config(base_url=base_url, judge_mode="compact").analysis_settings().judge_mode == "compact"


def test_confirm_threshold_is_configuration_and_must_be_a_probability(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from transcript_judge.config import resolve_config
    from transcript_judge.judge import DEFAULT_CONFIRM_THRESHOLD

    assert resolve_config().analysis_settings().judge_settings().confirm_threshold == DEFAULT_CONFIRM_THRESHOLD
    monkeypatch.setenv("TJ_CONFIRM_THRESHOLD", "0.55")
    settings = resolve_config(judge_mode="confirm").analysis_settings()
    assert settings.judge_settings().confirm_threshold == 0.55
    assert settings.fingerprint_settings()["confirm_threshold"] == 0.55  # a changed threshold is a changed prompt
    for bad in ("1.5", "yes"):
        monkeypatch.setenv("TJ_CONFIRM_THRESHOLD", bad)
        code = run(["analyse", str(ROOT / "fixtures" / "interview_zoom.vtt")])
        err = capsys.readouterr().err
        assert code == ConfigError.exit_code and ("confirm_threshold" in err or "not a number" in err), err
        assert "Traceback" not in err
