"""The evaluation harness: metrics against hand-computed values, datasets, replay, gate."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from clirun import run
from transcript_judge.errors import DatasetError
from transcript_judge.evaluation import load_dataset
from transcript_judge.evaluation.metrics import (
    bootstrap_ci,
    confusion,
    macro_f1,
    micro_f1,
    paired_delta_ci,
    per_criterion,
)
from transcript_judge.rubric import load_rubric

MINI = Path(__file__).resolve().parent / "data" / "eval_mini"
RECORDINGS = MINI / "recordings"
RUBRIC = load_rubric()


# --- metrics, against values computed by hand ---------------------------------------


def test_confusion_precision_recall_f1_kappa_by_hand() -> None:
    # labels:      T T T F F F F F
    # predictions: T T F T F F F F   -> tp=2 fn=1 fp=1 tn=4
    c = confusion(
        [
            (True, True),
            (True, True),
            (True, False),
            (False, True),
            (False, False),
            (False, False),
            (False, False),
            (False, False),
        ]
    )
    assert (c.tp, c.fp, c.fn, c.tn) == (2, 1, 1, 4)
    assert c.precision == pytest.approx(2 / 3)
    assert c.recall == pytest.approx(2 / 3)
    assert c.f1 == pytest.approx(2 / 3)
    # po = 6/8; pe = (3*3 + 5*5)/64 = 34/64; kappa = (0.75 - 0.53125) / (1 - 0.53125) = 0.4666..
    assert c.kappa == pytest.approx(0.21875 / 0.46875)


def test_undefined_values_are_none_not_zero() -> None:
    c = confusion([(False, False), (False, False)])
    assert c.f1 is None and c.precision is None and c.recall is None and c.kappa is None


def test_macro_and_micro_f1_by_hand() -> None:
    labels = [{"a": True, "b": False}, {"a": True, "b": True}, {"a": False, "b": True}]
    preds = [{"a": True, "b": False}, {"a": False, "b": True}, {"a": False, "b": False}]
    conf = per_criterion(labels, preds, ["a", "b"])
    # a: tp=1 fn=1 -> F1 = 2/3;  b: tp=1 fn=1 -> F1 = 2/3; micro: tp=2 fn=2 -> 2/3
    assert macro_f1(conf) == pytest.approx(2 / 3)
    assert micro_f1(conf) == pytest.approx(2 / 3)
    # unlabelled criteria are not scored
    assert per_criterion([{"a": True}], [{"a": True, "b": True}], ["a", "b"])["b"].n == 0


def test_bootstrap_is_seeded_and_brackets_the_point() -> None:
    labels = [{"a": i % 2 == 0} for i in range(40)]
    preds = [{"a": (i % 2 == 0) if i % 5 else i % 2 != 0} for i in range(40)]
    macro, per = bootstrap_ci(labels, preds, ["a"], resamples=500, seed=3)
    again, _ = bootstrap_ci(labels, preds, ["a"], resamples=500, seed=3)
    assert macro == again
    assert macro.low is not None and macro.high is not None and macro.point is not None
    assert macro.low <= macro.point <= macro.high and macro.high - macro.low > 0.05
    assert per["a"].point == macro.point


def test_paired_delta_of_identical_runs_is_zero() -> None:
    labels = [{"a": i % 3 == 0} for i in range(30)]
    preds = [{"a": i % 2 == 0} for i in range(30)]
    macro, _f1, recall = paired_delta_ci(labels, preds, preds, ["a"], resamples=200)
    assert macro.point == 0 and macro.low == 0 and macro.high == 0 and recall["a"].point == 0


# --- dataset validation -------------------------------------------------------------


def _copy_mini(tmp_path: Path) -> Path:
    dst = tmp_path / "ds"
    shutil.copytree(MINI, dst, ignore=shutil.ignore_patterns("recordings"))
    return dst


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda c: c["labels"].update({"charisma": True}), "line 1, field 'labels.charisma'"),
        (lambda c: c.update({"transcript": "transcripts/nope.txt"}), "line 1, field 'transcript'"),
        (
            lambda c: c["evidence"].update({"evaluation_rigor": ["we never measured anything"]}),
            "line 1, field 'evidence.evaluation_rigor'",
        ),
        (lambda c: c.update({"candidate": "Someone Else"}), "line 1, field 'candidate'"),
        (lambda c: c["labels"].update({"model_obsession": "yes"}), "line 1, field 'labels.model_obsession'"),
    ],
)
def test_dataset_rejected_naming_line_and_field(tmp_path: Path, mutate, expected: str) -> None:  # type: ignore[no-untyped-def]
    ds = _copy_mini(tmp_path)
    lines = (ds / "dataset.jsonl").read_text().splitlines()
    case = json.loads(lines[0])
    mutate(case)
    lines[0] = json.dumps(case)
    (ds / "dataset.jsonl").write_text("\n".join(lines) + "\n")
    with pytest.raises(DatasetError) as info:
        load_dataset(ds, RUBRIC)
    assert expected in str(info.value)


# --- the command, from fixture recordings -------------------------------------------


def test_replay_from_fixture_recordings(tmp_path: Path) -> None:
    out = tmp_path / "eval.json"
    code = run(
        [
            "eval",
            "--dataset",
            str(MINI),
            "--replay",
            str(RECORDINGS),
            "--repeats",
            "3",
            "--tagger",
            "llm,lexical",
            "--no-gate",
            "-o",
            str(out),
        ]
    )
    assert code == 0
    report = json.loads(out.read_text())
    llm, lexical = report["taggers"]
    assert llm["tagger"] == "llm" and lexical["tagger"] == "lexical"
    assert llm["cases_scored"] == 4 and llm["calls"] == 12 and llm["cache_hits"] == 12
    # the fixture flips systems_thinking on repeat 2 only: majority keeps it, stability shows it
    m1 = next(c for c in llm["cases"] if c["case_id"] == "m1")
    assert m1["predicted"]["systems_thinking"] is True
    assert m1["stability"] == pytest.approx(10 / 11)
    assert llm["quotes_grounded_share"] == 1.0 and llm["role_accuracy"] == 1.0


def test_missing_recordings_fail_with_a_count(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Another model means other requests: nothing is recorded for them.
    code = run(["eval", "--dataset", str(MINI), "--replay", str(RECORDINGS), "--model", "gpt-4o-mini", "--no-gate"])
    assert code == 10
    err = capsys.readouterr().err
    assert "4 of 4 responses" in err and "--record" in err and "Nothing was sent" in err


def test_gate_passes_against_itself_and_fails_on_regressions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = tmp_path / "baseline.json"
    args = ["eval", "--dataset", str(MINI), "--replay", str(RECORDINGS), "--repeats", "3", "--tagger", "llm"]
    assert run([*args, "--save-baseline", str(base), "--no-gate"]) == 0
    gate = tmp_path / "gate.toml"
    gate.write_text("[gate]\nmax_regressions = 0\nmax_macro_f1_drop = 0.0\n")
    assert run([*args, "--baseline", str(base), "--gate", str(gate)]) == 0

    # A baseline that was right everywhere: every current error is a regression.
    data = json.loads(base.read_text())
    labels = {
        json.loads(line)["id"]: json.loads(line)["labels"] for line in (MINI / "dataset.jsonl").read_text().splitlines()
    }
    for case in data["taggers"][0]["cases"]:
        case["predicted"] = labels[case["case_id"]]
    data["taggers"][0]["model"] = "some-other-model"
    base.write_text(json.dumps(data))
    capsys.readouterr()
    assert run([*args, "--baseline", str(base), "--gate", str(gate), "-o", str(tmp_path / "r.md")]) == 11
    out = capsys.readouterr()
    assert "gate: FAILED" in out.out and "regressed:" in out.out
    assert "some-other-model" in out.out  # warns that the baseline used another model
    md = (tmp_path / "r.md").read_text()
    assert "## Gate: FAILED" in md and "Regressions (" in md


def test_llm_tagger_without_model_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["eval", "--dataset", str(MINI)]) == 7
    assert "--tagger lexical" in capsys.readouterr().err


def test_failed_cases_are_counted_apart(tmp_path: Path) -> None:
    ds = _copy_mini(tmp_path)
    # No one asks a question, so the candidate can't be inferred: the case fails, visibly.
    (ds / "transcripts" / "m4.txt").write_text(
        "Al: Let us talk about something you built.\n\nBo: I built a demo for our sales team over a weekend.\n\n"
        "Al: Go on.\n\nBo: I'd tweak the prompt until the answer looked right.\n"
    )
    lines = [json.loads(x) for x in (ds / "dataset.jsonl").read_text().splitlines()]
    lines[3].update(candidate="Bo", evidence={})
    (ds / "dataset.jsonl").write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    out = tmp_path / "r.json"
    assert run(["eval", "--dataset", str(ds), "--tagger", "lexical", "-o", str(out), "--no-gate"]) == 0
    t = json.loads(out.read_text())["taggers"][0]
    assert t["cases_failed"] == 1 and t["cases_scored"] == 3
    assert "role inference" in t["failures"]["m4"]
    assert (
        run(
            [
                "eval",
                "--dataset",
                str(ds),
                "--tagger",
                "lexical",
                "--use-labelled-candidate",
                "-o",
                str(out),
                "--no-gate",
            ]
        )
        == 0
    )
    assert json.loads(out.read_text())["taggers"][0]["cases_scored"] == 4


def test_live_eval_records_caches_and_replays_identically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Through the real OpenAI client (respx): record, then the cache answers a second run,
    then a replay of the recordings scores exactly the same."""
    import httpx
    import respx

    from eval_fake import respond
    from openai_payloads import BASE_URL, chat_request, ok
    from transcript_judge.llm import factory

    def handler(request: httpx.Request) -> httpx.Response:
        return ok(respond(chat_request(request)).content)

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-eval")
    monkeypatch.setattr(factory, "_factory", lambda: httpx.AsyncClient())
    rec = tmp_path / "rec"
    first, second, third = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "c.json"
    with respx.mock(base_url=BASE_URL) as router:
        route = router.post("/chat/completions").mock(side_effect=handler)
        assert run(["eval", "--dataset", str(MINI), "--record", str(rec), "--no-gate", "-o", str(first)]) == 0
        assert route.call_count == 4
        assert run(["eval", "--dataset", str(MINI), "--no-gate", "-o", str(second)]) == 0
        assert route.call_count == 4  # every answer came from the cache
        assert run(["eval", "--dataset", str(MINI), "--no-cache", "--no-gate", "-o", str(tmp_path / "x.json")]) == 0
        assert route.call_count == 8  # --no-cache really asks again
    assert run(["eval", "--dataset", str(MINI), "--replay", str(rec), "--no-gate", "-o", str(third)]) == 0

    def metrics(p: Path) -> list[object]:
        t = json.loads(p.read_text())["taggers"][0]
        return [t["macro_f1"], [c["predicted"] for c in t["cases"]]]

    assert metrics(first) == metrics(second) == metrics(third)
    a, b = json.loads(first.read_text())["taggers"][0], json.loads(second.read_text())["taggers"][0]
    assert a["prompt_tokens"] == 4 * 2400 and a["cache_hits"] == 0
    assert b["prompt_tokens"] == 0 and b["cache_hits"] == 4 and b["reused_prompt_tokens"] == 4 * 2400
