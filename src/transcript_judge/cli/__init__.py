"""The ``transcript-judge`` command line. Each command lives in its own module."""

from __future__ import annotations

import logging
import sys
import traceback

import click

from .._version import __version__
from ..errors import TranscriptJudgeError
from .common import EXIT_INTERNAL, EXIT_INTERRUPTED, err_console

__all__ = ["cli", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="transcript-judge")
def cli() -> None:
    """Judge interview transcripts of AI engineers and AI systems architects.

    Strengths and red flags, each backed by verbatim, timestamped quotes.
    Decision support, not a hiring decision.
    """


def _register() -> None:
    from . import analyse, inspect_cmd

    cli.add_command(analyse.analyse)
    cli.add_command(inspect_cmd.inspect_cmd)
    cli.add_command(analyse.schema)
    for optional in ("eval_cmd", "store_cmd", "serve_cmd"):
        try:
            module = __import__(f"{__name__}.{optional}", fromlist=["register"])
        except ModuleNotFoundError as e:
            if e.name != f"{__name__}.{optional}":
                raise
            continue
        module.register(cli)


_register()


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
