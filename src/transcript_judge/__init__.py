"""transcript-judge: evidence-linked strengths and red flags from interview transcripts.

The pipeline, one module per step: ``ingest`` → ``roles`` → ``chunking`` → ``planning``
→ ``taggers`` (``judge``/``confirm`` through ``llm``, the one seam; or ``lexical``) →
``evidence`` (``grounding``, ``injection``) → ``aggregation`` → ``reporting`` → ``report``;
``analysis`` runs it end to end, ``service`` is the application layer the CLI, the web
app, batch and ``eval`` share, and ``evaluation`` measures it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from .analysis import AnalysisResult, run_analysis
    from .errors import TranscriptJudgeError
    from .ingest import read_transcript
    from .llm.base import LLM, ChatRequest, ChatResult
    from .llm.fake import FakeLLM
    from .planning import AnalysisSettings, plan_analysis
    from .report.model import Report
    from .roles import RoleAssignment, assign_roles
    from .rubric import Rubric, load_rubric
    from .transcript import Transcript, Turn

# Imported on first use (PEP 562), so that ``import transcript_judge.cli`` for ``--help``
# doesn't import the whole pipeline.
_EXPORTS = {
    "AnalysisResult": ".analysis",
    "AnalysisSettings": ".planning",
    "plan_analysis": ".planning",
    "run_analysis": ".analysis",
    "TranscriptJudgeError": ".errors",
    "read_transcript": ".ingest",
    "LLM": ".llm.base",
    "ChatRequest": ".llm.base",
    "ChatResult": ".llm.base",
    "FakeLLM": ".llm.fake",
    "Report": ".report.model",
    "RoleAssignment": ".roles",
    "assign_roles": ".roles",
    "Rubric": ".rubric",
    "load_rubric": ".rubric",
    "Transcript": ".transcript",
    "Turn": ".transcript",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


__all__ = [
    "LLM",
    "AnalysisResult",
    "AnalysisSettings",
    "ChatRequest",
    "ChatResult",
    "FakeLLM",
    "Report",
    "RoleAssignment",
    "Rubric",
    "Transcript",
    "TranscriptJudgeError",
    "Turn",
    "__version__",
    "assign_roles",
    "load_rubric",
    "plan_analysis",
    "read_transcript",
    "run_analysis",
]
