"""What a run that never calls a model doesn't import: the SDK and the web stack are
imported where they are used (``llm/settings.py`` says why), so ``--help``, ``inspect``
and the keyword baseline don't pay ~50 MB and ~0.5 s for them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("openai", "httpx", "fastapi", "uvicorn")

_PROBE = """
import sys
from transcript_judge.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print("LOADED=" + ",".join(m for m in {heavy!r} if m in sys.modules))
"""


def _loaded(args: list[str], home: Path) -> list[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "TJ_", "AZURE_OPENAI"))}
    env.update(TJ_HOME=str(home), XDG_CONFIG_HOME=str(home / "config"))
    out = subprocess.run(
        [sys.executable, "-c", _PROBE.format(heavy=HEAVY), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(ln for ln in out.splitlines() if ln.startswith("LOADED="))
    return [m for m in line.removeprefix("LOADED=").split(",") if m]


def test_help_imports_no_sdk_and_no_web_stack(tmp_path: Path) -> None:
    assert _loaded(["--help"], tmp_path) == []


def test_inspect_and_the_keyword_baseline_import_no_sdk(tmp_path: Path) -> None:
    fixture = str(ROOT / "fixtures" / "interview_zoom.vtt")
    assert _loaded(["inspect", fixture], tmp_path) == []
    assert _loaded(["analyse", fixture, "--quiet"], tmp_path) == []
