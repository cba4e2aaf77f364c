"""Step 9: the report model and its renderers."""

from .model import SCHEMA_VERSION, Finding, Quote, Report
from .render import format_for_path, render, render_pieces, render_terminal

__all__ = [
    "SCHEMA_VERSION",
    "Finding",
    "Quote",
    "Report",
    "format_for_path",
    "render",
    "render_pieces",
    "render_terminal",
]
