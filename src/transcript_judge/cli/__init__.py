"""The ``transcript-judge`` command line. Each command lives in its own module.

A command's module is imported when the command runs (:class:`LazyGroup`), so ``--help``
and ``--version`` cost the interpreter and click, not the pipeline, the SDK or the web
stack (benchmark 8 in ``benchmarks/RESULTS.md``).
"""

from __future__ import annotations

import importlib
import logging
import sys
import traceback

import click

from .._version import __version__
from ..errors import TranscriptJudgeError
from .common import EXIT_INTERNAL, EXIT_INTERRUPTED, err_console

__all__ = ["COMMANDS", "LazyGroup", "cli", "main"]

#: Each command: the module of this package and the name that define it, and its line in
#: the group's ``--help``. ``tests/test_cli_startup.py`` checks that the line is the
#: command's own short help, so the two can't drift.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "analyse": ("analyse", "analyse", "Analyse FILE(s): strengths and red flags of the candidate, with quotes."),
    "eval": ("eval_cmd", "eval_cmd", "Measure tagging accuracy on a labelled dataset; compare with a baseline; gate."),
    "export-dataset": (
        "export_cmd",
        "export_dataset",
        "Write reviewed analyses as an evaluation dataset (labels from the reviewers' verdicts).",
    ),
    "forget": (
        "store_cmd",
        "forget",
        "Delete an analysis (and the interrupted runs it resumed) and its cached responses.",
    ),
    "history": ("store_cmd", "history", "List the analyses in the store, newest first (interrupted runs too)."),
    "inspect": (
        "inspect_cmd",
        "inspect_cmd",
        "Show the parsed transcript: format, speakers, roles with reasons, and turns.",
    ),
    "review": (
        "review_cmd",
        "review",
        "Review an analysis: agree or disagree with each finding, add notes; or show the review.",
    ),
    "schema": ("analyse", "schema", "Print the report's JSON schema (versioned)."),
    "serve": ("serve_cmd", "serve", "Serve the web page and JSON API (127.0.0.1 by default)."),
    "show": ("store_cmd", "show", "Show a saved analysis: the terminal summary, or a rendered report."),
}


class LazyGroup(click.Group):
    """A group that imports a command's module when the command is used, not to list it."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            module, name, _ = COMMANDS[cmd_name]
            command = getattr(importlib.import_module(f"{__name__}.{module}"), name)
            if not isinstance(command, click.Command):  # pragma: no cover - a wrong COMMANDS entry
                raise TypeError(f"{module}.{name} is not a click command")
            self.add_command(command, cmd_name)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # click's own layout, with a stand-in for each command that isn't imported yet
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        shown = {name: self.commands.get(name) or click.Command(name, help=COMMANDS[name][2]) for name in names}
        rows = [(name, command.get_short_help_str(limit)) for name, command in shown.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="transcript-judge")
def cli() -> None:
    """Judge interview transcripts of AI engineers and AI systems architects.

    Strengths and red flags, each backed by verbatim, timestamped quotes.
    Decision support, not a hiring decision.
    """


def main(argv: list[str] | None = None) -> None:
    """Entry point: our errors become a message and an exit code, never a traceback."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        cli.main(args=argv, standalone_mode=False, prog_name="transcript-judge")
    except click.exceptions.Exit as e:
        sys.exit(e.exit_code)
    except click.ClickException as e:
        e.show()
        sys.exit(e.exit_code)
    except click.exceptions.Abort:
        err_console.print("Interrupted. Completed chunks are kept; run the same command again to resume.")
        sys.exit(EXIT_INTERRUPTED)
    except KeyboardInterrupt:
        err_console.print("Interrupted. Completed chunks are kept; run the same command again to resume.")
        sys.exit(EXIT_INTERRUPTED)
    except TranscriptJudgeError as e:
        err_console.print(f"[bold red]error:[/] {e.message}", markup=True, highlight=False)
        if e.hint:
            err_console.print(f"  hint: {e.hint}", markup=False, highlight=False)
        sys.exit(e.exit_code)
    except Exception as e:
        if debug:
            traceback.print_exc()
        logging.getLogger(__name__).debug("internal error", exc_info=True)
        err_console.print(
            f"internal error: {type(e).__name__}: {e}. This is a bug; run with --debug for details.",
            markup=False,
            highlight=False,
        )
        sys.exit(EXIT_INTERNAL)
