"""``transcript-judge serve``: the browser front end and JSON API on a local URL.

The command collects its options into :class:`ServeOptions` and hands them to
:func:`serve_with`. The web stack is imported there, when the server starts, never for
``--help``.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..config import ResolvedConfig, resolve_config
from ..ingest import DEFAULT_MAX_BYTES
from .common import err_console, setup_logging

if TYPE_CHECKING:
    from ..web import WebSettings

__all__ = ["ServeOptions", "serve", "serve_with"]


@dataclass(frozen=True)
class ServeOptions:
    """What ``serve`` was asked: one field per option below, named as click names it."""

    host: str
    port: int
    token: str | None
    allowed_hosts: tuple[str, ...]
    rubrics: tuple[Path, ...]
    model: str | None
    base_url: str | None
    config_path: str | None
    tagger: str | None
    concurrency: int | None
    chunk_tokens: int | None
    max_file_mb: float
    max_jobs: int
    max_cost: float | None
    max_tokens: int | None
    no_trace: bool
    verbose: bool


@click.command()
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to listen on. Anything but loopback needs a token."
)
@click.option("--port", type=int, default=8000, show_default=True, help="Port (0: any free one).")
@click.option(
    "--token",
    envvar="TJ_WEB_TOKEN",
    help="Require this token (Bearer header, or open the printed "
    "link once). Env: TJ_WEB_TOKEN (preferred: flags show up in `ps`).",
)
@click.option(
    "--allowed-host",
    "allowed_hosts",
    multiple=True,
    metavar="NAME",
    help="Also answer to this Host name (repeatable), e.g. a name in /etc/hosts.",
)
@click.option(
    "--rubric",
    "rubrics",
    multiple=True,
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    help="Offer this rubric file too (repeatable).",
)
@click.option("--model", help="Model name (or Azure deployment). Env: TJ_MODEL.")
@click.option("--base-url", help="OpenAI-compatible endpoint. Env: TJ_BASE_URL.")
@click.option("--config", "config_path", help="Config file (TOML). Env: TJ_CONFIG.")
@click.option("--tagger", type=click.Choice(["llm", "lexical"]), help="Force the keyword baseline with 'lexical'.")
@click.option("--concurrency", type=int, help="Most model calls in flight per analysis (default 4).")
@click.option("--chunk-tokens", type=int, help="Transcript tokens per chunk (default 8000).")
@click.option(
    "--max-file-mb",
    type=float,
    default=DEFAULT_MAX_BYTES / 1_048_576,
    show_default=True,
    help="Refuse uploads larger than this.",
)
@click.option("--max-jobs", type=int, default=2, show_default=True, help="Analyses run at once; the rest queue.")
@click.option("--max-cost", type=float, help="Refuse an upload whose estimated cost (USD) is higher.")
@click.option("--max-tokens", type=int, help="Refuse an upload whose estimated tokens are more.")
@click.option("--no-trace", is_flag=True, help="Don't append per-call trace lines to TJ_HOME/traces.")
@click.option("-v", "--verbose", is_flag=True, help="Log requests and progress.")
def serve(**options: Any) -> None:
    """Serve the web page and JSON API (127.0.0.1 by default). Ctrl-C stops it;
    analyses cut off by a stop can be resumed from the page."""
    serve_with(ServeOptions(**options))


def serve_with(opts: ServeOptions) -> None:
    """Check the settings, bind, say where the page is, and serve until Ctrl-C.

    Raises:
        ConfigError: --tagger llm without a model, or unsafe settings (before binding).
    """
    from ..web import create_app
    from ..web.app import default_llm_factory
    from ..web.server import bind, make_server, url_of

    setup_logging(opts.verbose)
    cfg = resolve_config(
        model=opts.model,
        base_url=opts.base_url,
        config_path=opts.config_path,
        concurrency=opts.concurrency,
        chunk_tokens=opts.chunk_tokens,
    )
    from ..service import choose_tagger

    use_llm = choose_tagger(opts.tagger, llm_configured=cfg.llm_configured) == "llm"
    settings = _web_settings(opts, cfg, use_llm=use_llm)
    settings.check()  # before binding: a refused bind never listens, even for a moment
    sock = bind(opts.host, opts.port)
    app = create_app(settings, llm_factory=default_llm_factory(cfg) if use_llm else None)
    _announce(url_of(sock), token=opts.token, describe=cfg.describe() if use_llm else None)
    # uvicorn re-raises Ctrl-C after its graceful shutdown; here that is a normal stop.
    with contextlib.suppress(KeyboardInterrupt):
        make_server(app, log_level="info" if opts.verbose else "warning").run(sockets=[sock])
    err_console.print(
        "stopped. Analyses that were running are marked interrupted; resume them from the page.",
        highlight=False,
        markup=False,
    )


def _web_settings(opts: ServeOptions, cfg: ResolvedConfig, *, use_llm: bool) -> WebSettings:
    from ..service import Budget
    from ..web import WebSettings

    return WebSettings(
        host=opts.host,
        port=opts.port,
        token=opts.token or None,
        allowed_hosts=opts.allowed_hosts,
        max_upload_bytes=int(opts.max_file_mb * 1_048_576),
        max_jobs=opts.max_jobs,
        rubrics=opts.rubrics,
        trace=not opts.no_trace,
        analysis=cfg.analysis_settings(tagger="llm" if use_llm else "lexical"),
        budget=Budget(opts.max_cost, opts.max_tokens),
    )


def _announce(url: str, *, token: str | None, describe: str | None) -> None:
    """Where the page is (never the token itself), and which model judges, or that none does."""
    shown = f"{url}?token=…(TJ_WEB_TOKEN)" if token else url
    err_console.print(f"transcript-judge web: [bold]{shown}[/]  (Ctrl-C to stop)", highlight=False)
    if token:
        err_console.print(
            "  Open it once with ?token=<your token>; the browser then keeps a session cookie.",
            highlight=False,
            markup=False,
        )
    if describe is not None:
        err_console.print(f"  {describe}", highlight=False, markup=False)
    else:
        err_console.print("  [yellow]No LLM configured: analyses use the offline KEYWORD BASELINE.[/]", highlight=False)
