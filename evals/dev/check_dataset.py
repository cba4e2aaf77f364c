#!/usr/bin/env python3
"""Check the transcript-judge development set (evals/dev/dataset.jsonl).

Stdlib only. Run from anywhere:

    python evals/dev/check_dataset.py            # all checks + keyword baseline
    python evals/dev/check_dataset.py -v         # also per-case baseline hits
    python evals/dev/check_dataset.py --rubric prompts/rubrics/ai_architect.toml
                                                 # also score the rubric file's own cues

What it checks
  * every line parses; ids unique and equal to the transcript's file name; files exist;
  * all 11 criterion ids present in `labels`, as booleans, and nothing else;
  * `evidence` only for TRUE labels, 1-2 quotes each, and every quote is an exact
    substring of ONE segment spoken by the candidate (a line of a plain-text turn, or
    one VTT cue's text), so a quote never spans a line break or a speaker label;
  * the candidate label is a speaker of the transcript; VTT timestamps increase;
  * every criterion is TRUE in >= 6 cases and FALSE in >= 6 cases;
  * counterfactual pairs point at an existing case and have identical labels;
  * `probes` (when present): an object mapping probe ids (the rubric's [[probes]]) to
    1-2 quotes, each >= 4 words, an exact substring of ONE segment spoken by an
    interviewer (any speaker but the candidate) and of no candidate segment;
    `probe_notes` a non-empty string; if any case has `probes`, every case must;
  * a tiny keyword baseline (cue words in the candidate's words, no negation handling)
    must stay at or below --max-baseline-f1 macro F1 (default 0.55). If an edit pushes
    it above, the set has become too easy for keyword matching: rework cases.

Exit status 0 when everything passes, 1 otherwise.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATASET = HERE / "dataset.jsonl"

RED_FLAGS = [
    "demo_only_thinking",
    "model_obsession",
    "evaluation_avoidance",
    "framework_dependency",
    "prompt_tinkering",
    "technology_only_questions",
]
STRENGTHS = [
    "systems_thinking",
    "failure_diagnosis",
    "evaluation_rigor",
    "grounded_tradeoffs",
    "probing_questions",
]
CRITERIA = RED_FLAGS + STRENGTHS
MIN_PER_CLASS = 6
DIFFICULTIES = {"easy", "medium", "hard"}
REQUIRED = {"id", "transcript", "candidate", "labels", "evidence", "difficulty", "notes"}
OPTIONAL = {"counterfactual_of", "probes", "probe_notes"}

# The probe ids of prompts/rubrics/ai_architect.toml ([[probes]]), in the rubric's order.
PROBES = [
    "failure_story",
    "architecture_design",
    "production_debugging",
    "model_selection",
    "build_vs_buy",
    "quality_metrics",
    "below_the_framework",
    "questions_back",
]
MIN_PROBE_QUOTE_WORDS = 4

# --------------------------------------------------------------------------- parsing

# Same shape as the project's reader: "Name: text", at most six words before the colon.
_PREFIX = re.compile(r"^\s*([A-Za-z\u00C0-\u024F][\w.'\u2019\-() ]{0,48}?)\s*:\s+(.*)$")
_NOT_NAMES = {
    "note", "notes", "http", "https", "www", "warning", "example", "e.g", "i.e", "ps",
    "update", "edit", "step", "answer", "question", "re", "fyi", "so", "and", "but",
    "well", "yes", "no", "ok", "okay", "then", "also", "because", "like", "here", "there",
}
_VOICE = re.compile(r"<v(?:\.[\w.-]+)?\s+([^>]+)>(.*?)(?:</v>|\Z)", re.DOTALL)
_TIMING = re.compile(r"^(\d{2}):(\d{2}):(\d{2})\.(\d{3}) --> (\d{2}):(\d{2}):(\d{2})\.(\d{3})")


def _speaker_prefix(line: str) -> tuple[str | None, str]:
    m = _PREFIX.match(line)
    if not m:
        return None, line
    name = m.group(1).strip()
    if name.lower() in _NOT_NAMES or len(name.split()) > 6 or name[0].islower():
        return None, line
    return name, m.group(2)


def parse_transcript(path: Path) -> tuple[list[tuple[str, str]], list[str]]:
    """Return ([(speaker, segment_text)], problems). A segment is one line of a
    plain-text turn or one VTT cue; quotes must fit inside one segment."""
    text = path.read_text(encoding="utf-8")
    problems: list[str] = []
    segments: list[tuple[str, str]] = []
    if path.suffix == ".vtt":
        if not text.startswith("WEBVTT"):
            problems.append("VTT file does not start with WEBVTT")
        last_start = -1.0
        for block in re.split(r"\n\s*\n", text.strip())[1:]:
            lines = block.split("\n")
            idx = next((i for i, ln in enumerate(lines) if "-->" in ln), None)
            if idx is None:
                problems.append(f"VTT block without timing: {block[:60]!r}")
                continue
            m = _TIMING.match(lines[idx])
            if not m:
                problems.append(f"bad timing line {lines[idx]!r}")
                continue
            g = [int(x) for x in m.groups()]
            start = g[0] * 3600 + g[1] * 60 + g[2] + g[3] / 1000
            end = g[4] * 3600 + g[5] * 60 + g[6] + g[7] / 1000
            if not (end > start >= last_start):
                problems.append(f"timestamps do not increase at {lines[idx]!r}")
            last_start = start
            raw = "\n".join(lines[idx + 1 :])
            voices = _VOICE.findall(raw)
            if voices:
                for name, body in voices:
                    segments.append((name.strip(), html.unescape(body.strip())))
            else:
                name, body = _speaker_prefix(raw.strip())
                if name is None:
                    problems.append(f"cue without speaker: {raw[:60]!r}")
                    continue
                segments.append((name, html.unescape(body.strip())))
    else:
        speaker: str | None = None
        for line in text.split("\n"):
            if not line.strip():
                continue
            name, body = _speaker_prefix(line)
            if name is not None:
                speaker = name
                segments.append((speaker, body.strip()))
            elif speaker is None:
                problems.append(f"text before the first speaker label: {line[:60]!r}")
            else:
                segments.append((speaker, line.strip()))
    return segments, problems


def turn_count(segments: list[tuple[str, str]]) -> int:
    turns, prev = 0, None
    for spk, _ in segments:
        if spk != prev:
            turns += 1
        prev = spk
    return turns


def quote_words(q: str) -> int:
    """Words in a quote: whitespace-separated tokens with a letter or a digit (a dash is not one)."""
    return sum(1 for tok in q.split() if any(ch.isalnum() for ch in tok))


def check_probes(where: str, row: dict, cand_segs: list[str], other_segs: list[str]) -> list[str]:
    """Problems with a case's `probes` / `probe_notes` fields (empty list: fine)."""
    errors: list[str] = []
    if "probe_notes" in row and (not isinstance(row["probe_notes"], str) or not row["probe_notes"].strip()):
        errors.append(f"{where}: probe_notes must be a non-empty string")
    if "probes" not in row:
        if "probe_notes" in row:
            errors.append(f"{where}: probe_notes without probes")
        return errors
    probes = row["probes"]
    if not isinstance(probes, dict):
        return errors + [f"{where}: probes must be an object (probe id -> quotes)"]
    for pid, quotes in probes.items():
        if pid not in PROBES:
            errors.append(f"{where}: unknown probe id {pid!r} (known: {', '.join(PROBES)})")
            continue
        if not isinstance(quotes, list) or not 1 <= len(quotes) <= 2:
            errors.append(f"{where}: probe {pid} needs 1-2 quotes of the interviewer")
            continue
        for q in quotes:
            if not isinstance(q, str) or quote_words(q) < MIN_PROBE_QUOTE_WORDS:
                errors.append(f"{where}: probe {pid}: quote shorter than "
                              f"{MIN_PROBE_QUOTE_WORDS} words: {q!r}")
                continue
            if "\n" in q:
                errors.append(f"{where}: probe {pid}: quote spans a line break: {q[:50]!r}")
            in_cand = any(q in seg for seg in cand_segs)
            if not any(q in seg for seg in other_segs):
                hint = " (it is the candidate's)" if in_cand else ""
                hint = hint or (" (spans segments)" if q in " ".join(other_segs) else "")
                errors.append(f"{where}: probe {pid}: quote not verbatim in one interviewer "
                              f"segment{hint}: {q[:70]!r}")
            elif in_cand:
                errors.append(f"{where}: probe {pid}: quote also occurs in a candidate segment, "
                              f"use a longer one: {q[:70]!r}")
    return errors


# ------------------------------------------------------------------ keyword baseline

# The naive cue words the brief names, mapped to the criteria they would "detect".
NAIVE_CUES: dict[str, list[str]] = {
    "demo_only_thinking": ["demo", "prototype"],
    "model_obsession": ["leaderboard", "benchmark"],
    "evaluation_avoidance": ["user feedback", "felt better", "mmlu"],
    "framework_dependency": ["langchain", "llamaindex"],
    "prompt_tinkering": ["prompt"],
    "technology_only_questions": ["cloud provider", "model vendor", "vector db", "vector database"],
    "systems_thinking": ["latency", "failure", "monitoring"],
    "failure_diagnosis": ["failure", "root cause"],
    "evaluation_rigor": ["evaluation", "eval", "metrics", "monitoring"],
    "grounded_tradeoffs": ["trade-off", "tradeoff", "latency"],
    "probing_questions": ["data quality", "success", "latency budget", "who owns"],
}

# Copy of the `cues` of prompts/rubrics/ai_architect.toml (rubric version 1) so the
# check is stable while the rubric file evolves; use --rubric to score the live file.
RUBRIC_CUES: dict[str, list[str]] = {
    "demo_only_thinking": ["demo", "prototype", "hackathon", "proof of concept", "poc",
                           "wowed", "impressed", "worked great in the demo",
                           "never hit production"],
    "model_obsession": ["leaderboard", "benchmark", "mmlu", "biggest model", "best model",
                        "latest model", "bigger model", "state of the art", "sota", "gpt-5",
                        "upgrade the model", "switch the model", "swapped the model"],
    "evaluation_avoidance": ["user feedback", "seemed happy", "looked good", "felt better",
                             "eyeball", "vibe", "spot check", "no complaints", "thumbs up",
                             "gut feeling"],
    "framework_dependency": ["langchain", "llamaindex", "llama index", "chain",
                             "agent executor", "retrievalqa", "out of the box",
                             "the framework handles", "haystack", "crewai", "autogen"],
    "prompt_tinkering": ["tweak the prompt", "tweaked the prompt", "tune the prompt",
                         "prompt engineering", "reword", "rephrase", "different prompts",
                         "better prompt", "adjust the prompt", "prompt tweaks", "system prompt"],
    "technology_only_questions": ["which cloud", "cloud provider", "aws or", "azure or", "gcp",
                                  "model vendor", "which vector database", "tech stack",
                                  "kubernetes", "which framework", "are you committed to"],
    "systems_thinking": ["failure mode", "fallback", "graceful", "degrade", "latency budget",
                         "timeout", "circuit breaker", "retry", "instrument", "observability",
                         "isolation", "components", "bottleneck", "queue", "rate limit"],
    "failure_diagnosis": ["root cause", "diagnosed", "traced", "drift", "regression",
                          "postmortem", "post-mortem", "we found that", "turned out",
                          "dashboards", "logs showed", "distribution", "deployment history"],
    "evaluation_rigor": ["eval", "evaluation", "test set", "golden set", "golden dataset",
                         "labelled", "labeled", "precision", "recall", "metric",
                         "regression suite", "a/b test", "offline eval", "ground truth"],
    "grounded_tradeoffs": ["trade-off", "tradeoff", "trade off", "depends on", "requirement",
                           "cost per", "latency", "context window", "it depends", "constraint",
                           "versus", "cheaper", "p95"],
    "probing_questions": ["what data", "data quality", "how do you measure",
                          "how do you currently measure", "what does success", "latency budget",
                          "who owns", "how will you measure", "how do you evaluate"],
}


def union_cues() -> dict[str, list[str]]:
    return {c: sorted(set(NAIVE_CUES[c]) | set(RUBRIC_CUES[c])) for c in CRITERIA}


def cue_regex(cue: str) -> re.Pattern[str]:
    # word start, the cue, an optional inflection, word end ("evals", "prompts", "timed")
    return re.compile(r"(?<![a-z0-9])" + re.escape(cue.lower()) + r"(?:s|es|d|ed|ing)?(?![a-z0-9])")


def baseline_predict(text: str, cues: dict[str, list[str]]) -> dict[str, list[str]]:
    low = text.lower().replace("\u2019", "'")
    return {c: [cue for cue in cues[c] if cue_regex(cue).search(low)] for c in CRITERIA}


def f1_table(rows: list[dict], preds: list[dict[str, list[str]]]) -> tuple[dict, float]:
    table = {}
    for c in CRITERIA:
        tp = fp = fn = tn = 0
        for row, pred in zip(rows, preds):
            gold, guess = row["labels"][c], bool(pred[c])
            tp += gold and guess
            fp += (not gold) and guess
            fn += gold and not guess
            tn += (not gold) and not guess
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        table[c] = (tp, fp, fn, tn, p, r, f)
    macro = sum(v[6] for v in table.values()) / len(table)
    return table, macro


def load_rubric_cues(path: Path) -> dict[str, list[str]]:
    import tomllib

    data = tomllib.loads(path.read_text(encoding="utf-8"))
    cues = {c["id"]: [s.lower() for s in c.get("cues", [])] for c in data.get("criteria", [])}
    return {c: cues.get(c, []) for c in CRITERIA}


def load_rubric_probe_ids(path: Path) -> list[str]:
    import tomllib

    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return [p["id"] for p in data.get("probes", [])]


# ---------------------------------------------------------------------------- main


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dataset", type=Path, default=DATASET)
    ap.add_argument("--max-baseline-f1", type=float, default=0.55)
    ap.add_argument("--rubric", type=Path, help="also score the cues of this rubric TOML")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()

    errors: list[str] = []
    warnings: list[str] = []
    rows: list[dict] = []
    cand_text: dict[str, str] = {}
    texts: dict[str, str] = {}
    stats: dict[str, tuple[int, int, str]] = {}
    base = args.dataset.resolve().parent

    for n, line in enumerate(args.dataset.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            errors.append(f"line {n}: not JSON ({e})")
            continue
        rid = row.get("id", f"line{n}")
        where = f"{rid}"
        missing = REQUIRED - row.keys()
        extra = row.keys() - REQUIRED - OPTIONAL
        if missing:
            errors.append(f"{where}: missing keys {sorted(missing)}")
            continue
        if extra:
            errors.append(f"{where}: unexpected keys {sorted(extra)}")
        if any(r["id"] == rid for r in rows):
            errors.append(f"{where}: duplicate id")
        labels = row["labels"]
        if set(labels) != set(CRITERIA):
            errors.append(f"{where}: labels must have exactly the 11 ids "
                          f"(missing {sorted(set(CRITERIA) - set(labels))}, "
                          f"extra {sorted(set(labels) - set(CRITERIA))})")
            continue
        for c, v in labels.items():
            if not isinstance(v, bool):
                errors.append(f"{where}: label {c} is not a boolean")
        if row["difficulty"] not in DIFFICULTIES:
            errors.append(f"{where}: difficulty {row['difficulty']!r}")
        if not str(row["notes"]).strip():
            errors.append(f"{where}: empty notes")
        tpath = base / row["transcript"]
        if not tpath.is_file():
            errors.append(f"{where}: transcript {row['transcript']} not found")
            continue
        if tpath.stem != rid or tpath.suffix not in {".txt", ".vtt"}:
            errors.append(f"{where}: transcript should be transcripts/{rid}.txt or .vtt")
        segments, problems = parse_transcript(tpath)
        errors.extend(f"{where}: {p}" for p in problems)
        speakers = Counter(s for s, _ in segments)
        cand = row["candidate"]
        if cand not in speakers:
            errors.append(f"{where}: candidate {cand!r} is not a speaker ({sorted(speakers)})")
            continue
        cand_segs = [t for s, t in segments if s == cand]
        other_segs = [t for s, t in segments if s != cand]
        cand_text[rid] = "\n".join(cand_segs)
        texts[rid] = tpath.read_text(encoding="utf-8")
        words = sum(len(t.split()) for _, t in segments)
        stats[rid] = (turn_count(segments), words, tpath.suffix)

        evidence = row["evidence"]
        if not isinstance(evidence, dict):
            errors.append(f"{where}: evidence must be an object")
            continue
        for c in evidence:
            if c not in CRITERIA:
                errors.append(f"{where}: evidence for unknown criterion {c!r}")
            elif not labels[c]:
                errors.append(f"{where}: evidence given for FALSE label {c}")
        for c in CRITERIA:
            if not labels[c]:
                continue
            quotes = evidence.get(c)
            if not isinstance(quotes, list) or not 1 <= len(quotes) <= 2:
                errors.append(f"{where}: {c} is TRUE and needs 1-2 evidence quotes")
                continue
            for q in quotes:
                if not isinstance(q, str) or len(q.strip()) < 12:
                    errors.append(f"{where}: {c}: quote too short: {q!r}")
                    continue
                if "\n" in q:
                    errors.append(f"{where}: {c}: quote spans a line break: {q[:50]!r}")
                if not any(q in seg for seg in cand_segs):
                    hint = " (it is the interviewer's)" if any(q in s for s in other_segs) else ""
                    hint = hint or (" (spans segments)" if q in " ".join(cand_segs) else "")
                    errors.append(f"{where}: {c}: quote not verbatim in one candidate "
                                  f"segment{hint}: {q[:70]!r}")
        errors.extend(check_probes(where, row, cand_segs, other_segs))
        rows.append(row)

    by_id = {r["id"]: r for r in rows}
    pairs = []
    for r in rows:
        orig = r.get("counterfactual_of")
        if orig is None:
            continue
        if orig not in by_id:
            errors.append(f"{r['id']}: counterfactual_of {orig!r} does not exist")
            continue
        pairs.append((orig, r["id"]))
        if by_id[orig]["labels"] != r["labels"]:
            diff = [c for c in CRITERIA if by_id[orig]["labels"][c] != r["labels"][c]]
            errors.append(f"{r['id']}: labels differ from its original {orig}: {diff}")
        if texts.get(orig) == texts.get(r["id"]):
            errors.append(f"{r['id']}: transcript identical to its original {orig}")

    labelled = [r for r in rows if "probes" in r]
    if labelled and len(labelled) != len(rows):
        missing_p = [r["id"] for r in rows if "probes" not in r]
        errors.append(f"probes labelled on {len(labelled)} of {len(rows)} cases; "
                      f"missing on {missing_p}")
    for orig, copy in pairs:
        a, b = by_id[orig].get("probes"), by_id[copy].get("probes")
        if a is not None and b is not None and set(a) != set(b):
            warnings.append(f"{copy}: probes asked differ from its original {orig}: "
                            f"{sorted(set(a) ^ set(b))}")

    # ---- counts
    print(f"cases: {len(rows)}   counterfactual pairs: {len(pairs)}")
    diff_counts = Counter(r["difficulty"] for r in rows)
    print("difficulty: " + ", ".join(f"{k}={diff_counts[k]}" for k in ("easy", "medium", "hard")))
    fmt_counts = Counter(v[2] for v in stats.values())
    long_cases = [k for k, v in stats.items() if v[0] >= 80]
    print(f"formats: {dict(fmt_counts)}   long (80+ turns): {long_cases}")
    print()
    print(f"{'criterion':28} {'true':>5} {'false':>6}")
    for c in CRITERIA:
        t = sum(r["labels"][c] for r in rows)
        f = len(rows) - t
        flag = "" if t >= MIN_PER_CLASS and f >= MIN_PER_CLASS else "   <-- needs >= 6 of each"
        if flag:
            errors.append(f"{c}: {t} true / {f} false (need >= {MIN_PER_CLASS} each)")
        print(f"{c:28} {t:5d} {f:6d}{flag}")
    if labelled:
        print()
        print(f"probes (interviewer asked it), over {len(labelled)} labelled cases")
        print(f"{'probe':28} {'asked':>5} {'not':>6}")
        for pid in PROBES:
            k = sum(pid in r["probes"] for r in labelled)
            print(f"{pid:28} {k:5d} {len(labelled) - k:6d}")
        none = [r["id"] for r in labelled if not r["probes"]]
        print(f"cases with no probe asked: {none or 'none'}")

    # ---- keyword baseline
    def report(name: str, cues: dict[str, list[str]]) -> float:
        preds = [baseline_predict(cand_text[r["id"]], cues) for r in rows]
        table, macro = f1_table(rows, preds)
        print()
        print(f"keyword baseline [{name}] (candidate words only, no negation handling)")
        print(f"{'criterion':28} {'tp':>3} {'fp':>3} {'fn':>3} {'tn':>3} {'P':>5} {'R':>5} {'F1':>5}")
        for c in CRITERIA:
            tp, fp, fn, tn, p, r_, f = table[c]
            print(f"{c:28} {tp:3d} {fp:3d} {fn:3d} {tn:3d} {p:5.2f} {r_:5.2f} {f:5.2f}")
        pos = sum(v[0] + v[2] for v in table.values())
        missed = sum(v[2] for v in table.values())
        neg = sum(v[1] + v[3] for v in table.values())
        false_hits = sum(v[1] for v in table.values())
        print(f"{'macro F1':28} {macro:.3f}")
        print(f"TRUE labels with no cue word (paraphrased): {missed}/{pos}; "
              f"FALSE labels with a cue word (traps): {false_hits}/{neg}")
        if args.verbose:
            for r, pred in zip(rows, preds):
                hits = {c: v for c, v in pred.items() if v}
                wrong = [c for c in CRITERIA if bool(pred[c]) != r["labels"][c]]
                print(f"  {r['id']}: wrong on {wrong}; hits {hits}")
        return macro

    if rows:
        scores = {
            "naive + rubric cues": report("naive + rubric cues", union_cues()),
            "naive cue words": report("naive cue words from the brief", NAIVE_CUES),
            "rubric v1 cues": report("rubric v1 cues", RUBRIC_CUES),
        }
        if args.rubric:
            report(f"rubric file {args.rubric}", load_rubric_cues(args.rubric))
            ids = load_rubric_probe_ids(args.rubric)
            if ids and ids != PROBES:
                warnings.append(f"rubric {args.rubric} probe ids {ids} differ from "
                                f"check_dataset.PROBES {PROBES}")
        print()
        print("keyword baseline macro F1: "
              + ", ".join(f"{k} {v:.3f}" for k, v in scores.items()))
        for name, macro in scores.items():
            if macro > args.max_baseline_f1:
                errors.append(f"keyword baseline [{name}] macro F1 {macro:.3f} > "
                              f"{args.max_baseline_f1}: the set is too easy for keyword matching")

    print()
    for w in warnings:
        print("WARNING:", w)
    for e in errors:
        print("ERROR:", e)
    print("OK" if not errors else f"{len(errors)} error(s)")
    return 0 if not errors else 1


if __name__ == "__main__":
    sys.exit(main())
