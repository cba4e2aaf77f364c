"""Benchmark 6: peak memory of one large transcript, in the CLI and through the web app.

For each size (5 MB and 25 MB by default) a synthetic Zoom-style WebVTT interview is
written (``synth.py``: ~150 words a minute, so 25 MB is ~360 hours of talk), and every
measurement runs in a fresh process whose peak resident set size is read from the kernel
(``ru_maxrss`` from ``wait4``; for the server, ``VmHWM`` from ``/proc`` at each step too):

- ``python -c pass``: the interpreter alone, the floor every row includes;
- ``import``: the interpreter with transcript-judge's CLI and web app imported;
- ``analyse``: ``transcript-judge analyse FILE`` with no model configured (the keyword
  baseline), terminal summary only, and again with ``-o report.html`` (the report embeds
  the whole transcript);
- ``web``: ``transcript-judge serve`` (keyword baseline), one upload through
  ``POST /api/analyses`` to the end of its analysis, then its report page (which parses
  the upload again to show the transcript); the POST's wall time is shown next to it;
- ``web x4``: four uploads at once with ``--max-jobs 2``.

Nothing talks to a network beyond 127.0.0.1. ``--before REV`` runs the same measurements
against the sources of a git revision too (``git archive``, imported through
``PYTHONPATH``), for a before/after table in the same run, on the same machine.

On Linux a child's ``ru_maxrss`` starts from its parent's resident size at the fork (the
kernel carries the old address space's high-water mark across ``exec``), so this script
keeps itself small: the transcripts are written by a ``synth.py`` subprocess and HTTP is
the standard library's. The ``python -c pass`` row shows that floor.

Target: peak RSS at most about 10x the file size for the 25 MB transcript, in the CLI and
in the server.

Run:  python -m benchmarks.memory                       (a few minutes)
      python -m benchmarks.memory --before ca9b13d      (before/after; about twice as long)
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .synth import OUT_DIR

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SIZES_MB = (5, 25)
VTT_BYTES_PER_MINUTE = 1210  # synth.py's WebVTT, measured
TARGET_RATIO = 10.0
MAX_FILE_MB = 40
JOB_TIMEOUT_S = 1800.0


def transcript_of(size_mb: float) -> Path:
    """A synthetic WebVTT interview of about ``size_mb`` MB (written once, then reused)."""
    path = OUT_DIR / f"memory_{size_mb:g}mb.vtt"
    if not path.exists():
        minutes = max(10, int(size_mb * 1_048_576 / VTT_BYTES_PER_MINUTE))
        OUT_DIR.mkdir(parents=True, exist_ok=True)
        synth = ["-m", "benchmarks.synth", "--minutes", str(minutes), "--speakers", "3", "-o", str(path)]
        subprocess.run([sys.executable, *synth], cwd=ROOT, check=True)  # its memory isn't ours
    return path


@dataclass
class Tree:
    """The sources a measurement imports: the working tree, or a revision's."""

    label: str
    src: Path | None  # None: the installed package (the working tree)

    def env(self, home: Path) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AZURE_OPENAI_", "TJ_"))}
        env.update(TJ_HOME=str(home), PYTHONUNBUFFERED="1", COLUMNS="120", NO_COLOR="1")
        if self.src is not None:
            env["PYTHONPATH"] = str(self.src)
        else:
            env.pop("PYTHONPATH", None)
        return env


def cli(*args: str) -> list[str]:
    return [sys.executable, "-c", "from transcript_judge.cli import main; main()", *args]


@dataclass
class Run:
    peak_mb: float
    seconds: float
    code: int
    extra: dict[str, Any] = field(default_factory=dict)


def _wait(proc: subprocess.Popen[Any]) -> tuple[int, float]:
    """Reap ``proc``: its exit code and its own peak RSS in MB (not the other children's)."""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, usage.ru_maxrss / 1024  # Linux: kilobytes


def measure(cmd: list[str], env: dict[str, str]) -> Run:
    started = time.monotonic()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=err, cwd=ROOT)
        code, peak = _wait(proc)
        err.seek(max(0, err.seek(0, os.SEEK_END) - 800))
        tail = err.read().decode(errors="replace")
    if code not in (0, 3):
        raise RuntimeError(f"{' '.join(cmd[3:])} exited {code}:\n{tail}")
    return Run(peak, time.monotonic() - started, code)


def _hwm_mb(pid: int) -> float:
    """The process's peak RSS so far (``VmHWM``), in MB."""
    status = Path(f"/proc/{pid}/status").read_text()
    found = re.search(r"VmHWM:\s+(\d+) kB", status)
    return int(found[1]) / 1024 if found else float("nan")


def _request(
    url: str, method: str = "GET", body: Any = None, headers: dict[str, str] | None = None, *, discard: bool = False
) -> Any:
    """One HTTP request to the local server (the standard library: this process stays small)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=JOB_TIMEOUT_S)
    try:
        conn.request(method, parts.path + (f"?{parts.query}" if parts.query else ""), body=body, headers=headers or {})
        response = conn.getresponse()
        if discard:  # a report page can be tens of MB: don't let it swell this process
            while response.read(1 << 20):
                pass
            data = b""
        else:
            data = response.read()
        if response.status >= 400 and method == "GET":
            raise RuntimeError(f"GET {parts.path}: {response.status} {data[:300]!r}")
        return response.status, data
    finally:
        conn.close()


@contextlib.contextmanager
def server(env: dict[str, str], *, max_jobs: int) -> Iterator[tuple[subprocess.Popen[str], str]]:
    proc = subprocess.Popen(
        cli("serve", "--port", "0", "--no-trace", "--max-file-mb", str(MAX_FILE_MB), "--max-jobs", str(max_jobs)),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert proc.stderr is not None
    first = proc.stderr.readline()
    found = re.search(r"(http://127\.0\.0\.1:\d+/)", first)
    if not found:
        proc.kill()
        raise RuntimeError(f"the server did not start: {first}{proc.stderr.read()[-800:]}")
    url = found[1]
    threading.Thread(target=proc.stderr.read, daemon=True).start()  # keep its pipe drained
    for _ in range(200):
        with contextlib.suppress(OSError):
            _request(url)
            break
        time.sleep(0.05)
    try:
        yield proc, url
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGINT)


def _upload(url: str, path: Path) -> tuple[str, float]:
    """POST the file as multipart/form-data, streamed from disk; the id and the POST's time."""
    boundary = secrets.token_hex(12)
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{path.name}"\r\n'
        "Content-Type: text/vtt\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()

    def body() -> Iterator[bytes]:
        yield head
        with path.open("rb") as fh:
            while piece := fh.read(1 << 20):
                yield piece
        yield tail

    headers = {
        "Content-Type": f"multipart/form-data; boundary={boundary}",
        "Content-Length": str(len(head) + path.stat().st_size + len(tail)),
    }
    started = time.monotonic()
    status, data = _request(url + "api/analyses", "POST", body(), headers)
    took = time.monotonic() - started
    if status != 202:
        raise RuntimeError(f"upload refused: {status} {data[:300]!r}")
    return str(json.loads(data)["id"]), took


def _wait_done(url: str, analysis_id: str) -> str:
    deadline = time.monotonic() + JOB_TIMEOUT_S
    while time.monotonic() < deadline:
        state = str(json.loads(_request(f"{url}api/analyses/{analysis_id}")[1])["state"])
        if state in ("done", "partial", "failed", "interrupted", "candidate_needed"):
            return state
        time.sleep(0.5)
    raise RuntimeError(f"analysis {analysis_id} did not finish in {JOB_TIMEOUT_S:.0f} s")


def measure_web(env: dict[str, str], path: Path, *, uploads: int, max_jobs: int) -> Run:
    started = time.monotonic()
    with server(env, max_jobs=max_jobs) as (proc, url):
        idle = _hwm_mb(proc.pid)
        results: list[tuple[str, float]] = []
        errors: list[BaseException] = []

        def one() -> None:
            try:
                results.append(_upload(url, path))
            except BaseException as e:  # noqa: BLE001 - reported below
                errors.append(e)

        threads = [threading.Thread(target=one) for _ in range(uploads)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            raise errors[0]
        posts = [took for _, took in results]
        states = [_wait_done(url, analysis_id) for analysis_id, _ in results]
        after_jobs = _hwm_mb(proc.pid)
        page_status, _ = _request(f"{url}analyses/{results[0][0]}", headers={"Accept": "text/html"}, discard=True)
        after_page = _hwm_mb(proc.pid)
    code, peak = _wait(proc)
    extra = {
        "idle_mb": idle,
        "jobs_mb": after_jobs,
        "page_mb": after_page,
        "post_s": max(posts),
        "states": sorted(set(states)),
        "page_status": page_status,
    }
    return Run(peak, time.monotonic() - started, code, extra)


@contextlib.contextmanager
def revision_tree(rev: str) -> Iterator[Path]:
    """The sources of git revision ``rev``, extracted to a temporary folder."""
    folder = Path(tempfile.mkdtemp(prefix="tj-memory-"))
    try:
        tar = folder / "src.tar"
        with tar.open("wb") as fh:  # straight to disk: this process stays small (see above)
            subprocess.run(["git", "archive", rev], cwd=ROOT, check=True, stdout=fh)
        with tarfile.open(tar) as t:
            t.extractall(folder, filter="data")
        yield folder / "src"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


class _Results(dict[str, Run]):
    """Measurements by name, each printed as it lands (a long run that fails keeps them)."""

    def __init__(self, label: str) -> None:
        super().__init__()
        self.label = label

    def __setitem__(self, name: str, run: Run) -> None:
        super().__setitem__(name, run)
        extra = f" {run.extra}" if run.extra else ""
        print(f"  [{self.label}] {name}: peak {run.peak_mb:,.0f} MB, {run.seconds:.1f} s{extra}", flush=True)


def run_tree(tree: Tree, sizes: list[float], *, concurrent: bool) -> dict[str, Run]:
    out = _Results(tree.label)
    with tempfile.TemporaryDirectory(prefix="tj-memory-home-") as tmp:
        home = Path(tmp)
        env = tree.env(home)
        out["python -c pass"] = measure([sys.executable, "-c", "pass"], env)
        out["import"] = measure(
            [sys.executable, "-c", "import transcript_judge.cli, transcript_judge.web.app, tiktoken"], env
        )
        for size in sizes:
            path = transcript_of(size)
            tag = f"{size:g} MB"
            report = home / f"report-{size:g}.html"
            print(f"  [{tree.label}] {tag}: analyse", flush=True)
            out[f"{tag} analyse"] = measure(cli("analyse", str(path), "--max-file-mb", str(MAX_FILE_MB)), env)
            print(f"  [{tree.label}] {tag}: analyse -o report.html", flush=True)
            out[f"{tag} analyse -o html"] = measure(
                cli("analyse", str(path), "--max-file-mb", str(MAX_FILE_MB), "--quiet", "-o", str(report)), env
            )
            print(f"  [{tree.label}] {tag}: web, one upload", flush=True)
            out[f"{tag} web"] = measure_web(env, path, uploads=1, max_jobs=2)
            if concurrent:
                print(f"  [{tree.label}] {tag}: web, four uploads at once", flush=True)
                out[f"{tag} web x4"] = measure_web(env, path, uploads=4, max_jobs=2)
    return out


def _row(name: str, size_mb: float | None, runs: dict[str, dict[str, Run]], labels: list[str]) -> list[str]:
    cells = [name]
    for label in labels:
        run = runs[label].get(name)
        if run is None:
            cells += ["–", "–"]
            continue
        ratio = f" ({run.peak_mb / size_mb:.1f}x)" if size_mb else ""
        cells.append(f"{run.peak_mb:,.0f} MB{ratio}")
        if "post_s" in run.extra:
            e = run.extra
            cells.append(
                f"POST {e['post_s']:.2f} s; idle {e['idle_mb']:,.0f}, after the job(s) {e['jobs_mb']:,.0f}, "
                f"after the report page {e['page_mb']:,.0f} MB; {'/'.join(e['states'])}"
            )
        else:
            cells.append(f"{run.seconds:.1f} s")
    return cells


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default=",".join(f"{s:g}" for s in SIZES_MB), help="MB, comma-separated")
    p.add_argument("--before", metavar="REV", help="also measure this git revision's sources (e.g. a commit)")
    p.add_argument("--src", type=Path, help="measure the package in this src/ folder instead of the installed one")
    p.add_argument("--no-concurrent", action="store_true", help="skip the four-uploads-at-once rows")
    p.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    a = p.parse_args(argv)
    if not sys.platform.startswith("linux"):
        print("This benchmark reads peak RSS the Linux way (wait4, /proc); it needs Linux.", file=sys.stderr)
        return 2
    sizes = [float(s) for s in a.sizes.split(",") if s.strip()]
    for size in sizes:
        path = transcript_of(size)
        print(f"{path.relative_to(ROOT)}: {path.stat().st_size / 1_048_576:.1f} MB", flush=True)
    runs: dict[str, dict[str, Run]] = {}
    labels: list[str] = []
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    with contextlib.ExitStack() as stack:
        trees = []
        if a.before:
            trees.append(Tree(f"before ({a.before})", stack.enter_context(revision_tree(a.before))))
        here = str(a.src) if a.src else "this tree"
        trees.append(Tree(f"after ({here})" if a.before else here, a.src.resolve() if a.src else None))
        for tree in trees:
            print(f"measuring {tree.label}", flush=True)
            runs[tree.label] = run_tree(tree, sizes, concurrent=not a.no_concurrent)
            labels.append(tree.label)
    sizes_of = {f"{s:g} MB": transcript_of(s).stat().st_size / 1_048_576 for s in sizes}
    names = list(runs[labels[-1]])
    headers = ["measurement"]
    for label in labels:
        headers += [f"peak RSS, {label}", f"time, {label}"]
    rows = [_row(n, next((v for k, v in sizes_of.items() if n.startswith(k + " ")), None), runs, labels) for n in names]
    from ._common import table  # imports the package: only now, after the measurements

    body = table(headers, rows)
    print()
    print(body)
    summary = _summary(runs[labels[-1]], sizes_of)
    verdicts = "\n".join(f"- {what}: {got} (target {target}) — {verdict}" for what, target, got, verdict in summary)
    print("\n" + verdicts)
    if a.no_write:
        return 0
    from ._common import write_section

    command = "python -m benchmarks.memory" + (f" --before {a.before}" if a.before else "")
    write_section("memory", "6. Memory", command, _body(body, verdicts, started, sizes_of), summary)
    return 0


def _summary(runs: dict[str, Run], sizes_of: dict[str, float]) -> list[tuple[str, str, str, str]]:
    out: list[tuple[str, str, str, str]] = []
    for tag, mb in sizes_of.items():
        if mb < 20:
            continue
        for name, what in ((f"{tag} analyse", "CLI analyse"), (f"{tag} web", "web upload")):
            run = runs.get(name)
            if run is None:
                continue
            ratio = run.peak_mb / mb
            out.append(
                (
                    f"6. memory: {what}, {tag} transcript, peak RSS",
                    f"<= ~{TARGET_RATIO:.0f}x the file",
                    f"{run.peak_mb:,.0f} MB ({ratio:.1f}x)",
                    "met" if ratio <= TARGET_RATIO * 1.05 else "missed",
                )
            )
    return out


def _body(table_text: str, verdicts: str, started: str, sizes_of: dict[str, float]) -> str:
    files = ", ".join(f"{tag} (really {mb:.1f} MB)" for tag, mb in sizes_of.items())
    return f"""Synthetic WebVTT interviews ({files}; `benchmarks/synth.py`, 3 speakers), keyword
baseline (no model configured), each measurement a fresh process; peak RSS is the kernel's
(`ru_maxrss` via `wait4`; for the server also `VmHWM` at each step; "Nx" is peak RSS over
the file's size). Started {started}.

{table_text}

{verdicts}
"""


if __name__ == "__main__":
    raise SystemExit(main())
