"""Where the bundled prompts and rubrics live: beside the package in a wheel, or in the
repository's top-level ``prompts/`` in a source checkout."""

from __future__ import annotations

from functools import cache
from pathlib import Path

__all__ = ["default_rubric_path", "prompts_dir"]


@cache
def prompts_dir() -> Path:
    here = Path(__file__).resolve().parent
    for candidate in (here / "_bundled" / "prompts", here.parents[1] / "prompts"):
        if (candidate / "system.j2").is_file():
            return candidate
    raise FileNotFoundError("transcript-judge's prompts/ folder is missing from this install.")


def default_rubric_path() -> Path:
    return prompts_dir() / "rubrics" / "ai_architect.toml"
