"""transcript-judge: evidence-linked strengths and red flags from interview transcripts.

The pipeline, one module per step: ``ingest`` → ``roles`` → ``chunking`` → ``prompting``
→ ``llm`` (the one seam) → ``judge`` → ``grounding`` → ``aggregation`` → ``report``;
``analysis`` runs it end to end and ``evaluation`` measures it.
"""

from ._version import __version__
from .analysis import AnalysisResult, AnalysisSettings, plan_analysis, run_analysis
from .errors import TranscriptJudgeError
from .ingest import read_transcript
from .llm.base import LLM, ChatRequest, ChatResult
from .llm.fake import FakeLLM
from .report.model import Report
from .roles import RoleAssignment, assign_roles
from .rubric import Rubric, load_rubric
from .transcript import Transcript, Turn

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
