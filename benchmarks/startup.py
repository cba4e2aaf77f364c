"""Benchmark 7: start-up time of the command line.

Each command runs ``--runs`` times (7 by default) in a fresh process, and the median
wall time and CPU time (user + system, from ``getrusage(RUSAGE_CHILDREN)``) are shown,
next to a bare ``python -c pass`` measured in the same run: what is left above that is
the tool's own start-up (imports, mostly).

- ``--version`` and ``--help``: the group, no command imported;
- ``analyse --help``: one command's module imported, not run;
- ``inspect fixtures/interview_zoom.vtt``: a whole small command (read, detect the
  format, assign roles, print).

``--before REV`` measures a git revision's sources too (through ``PYTHONPATH``), for a
before/after table on the same machine, in the same run. Targets (#12): ``--help`` at
most 0.25 s and ``inspect`` at most 0.5 s of wall time on the 2-core machine.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .memory import ROOT, Tree, revision_tree

FIXTURE = "fixtures/interview_zoom.vtt"
TARGETS_S = {"--help": 0.25, f"inspect {FIXTURE}": 0.5}


@dataclass(frozen=True)
class Timing:
    wall_s: float
    cpu_s: float


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-c", "from transcript_judge.cli import main; main()", *args]


COMMANDS: dict[str, list[str]] = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "--version": _cli("--version"),
    "--help": _cli("--help"),
    "analyse --help": _cli("analyse", "--help"),
    f"inspect {FIXTURE}": _cli("inspect", FIXTURE),
}


def time_once(cmd: list[str], env: dict[str, str]) -> Timing:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(cmd, env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Timing(wall, cpu)


def measure(tree: Tree, runs: int) -> dict[str, Timing]:
    out: dict[str, Timing] = {}
    with tempfile.TemporaryDirectory(prefix="tj-startup-home-") as home:
        env = tree.env(Path(home))
        for name, cmd in COMMANDS.items():
            time_once(cmd, env)  # warm the file cache: every row starts equal
            timings = [time_once(cmd, env) for _ in range(runs)]
            out[name] = Timing(
                statistics.median(t.wall_s for t in timings), statistics.median(t.cpu_s for t in timings)
            )
            print(f"  [{tree.label}] {name}: {out[name].wall_s:.3f} s wall, {out[name].cpu_s:.3f} s CPU", flush=True)
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=7, help="runs of each command (the median is shown)")
    p.add_argument("--before", metavar="REV", help="also measure this git revision's sources (e.g. a commit)")
    p.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    a = p.parse_args(argv)
    results: dict[str, dict[str, Timing]] = {}
    with contextlib.ExitStack() as stack:
        trees = []
        if a.before:
            trees.append(Tree(f"before ({a.before})", stack.enter_context(revision_tree(a.before))))
        trees.append(Tree("after (this tree)" if a.before else "this tree", None))
        for tree in trees:
            print(f"measuring {tree.label}", flush=True)
            results[tree.label] = measure(tree, a.runs)
    from ._common import table, write_section

    labels = list(results)
    headers = ["command"] + [f"{kind}, {label}" for label in labels for kind in ("wall", "CPU")]
    rows = [
        [name] + [f"{getattr(results[label][name], f):.3f} s" for label in labels for f in ("wall_s", "cpu_s")]
        for name in COMMANDS
    ]
    body = table(headers, rows)
    now = results[labels[-1]]
    summary = [
        (
            f"7. start-up: {name}",
            f"<= {target:.2f} s wall",
            f"{now[name].wall_s:.3f} s (python -c pass {now['python -c pass'].wall_s:.3f} s)",
            "met" if now[name].wall_s <= target else "missed",
        )
        for name, target in TARGETS_S.items()
    ]
    verdicts = "\n".join(f"- {what}: {got} (target {target}) — {verdict}" for what, target, got, verdict in summary)
    print("\n" + body + "\n\n" + verdicts)
    if a.no_write:
        return 0
    intro = (
        f"Median of {a.runs} fresh processes per command (after one warm-up run), "
        f"{os.cpu_count()} cores; CPU is user + system time of the child.\n\n"
    )
    command = "python -m benchmarks.startup" + (f" --before {a.before}" if a.before else "")
    write_section("startup", "7. Start-up time", command, intro + body + "\n\n" + verdicts, summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
