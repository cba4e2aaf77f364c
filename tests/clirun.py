"""Run the command line in-process and get its exit code."""

from __future__ import annotations

import pytest

from transcript_judge.cli import main


def run(args: list[str]) -> int:
    """``transcript-judge ARGS``; a normal return counts as exit code 0."""
    with pytest.raises(SystemExit) as info:
        main(args)
        raise SystemExit(0)
    return int(info.value.code or 0)
