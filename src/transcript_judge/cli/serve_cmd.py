"""``transcript-judge serve``: the browser front end and JSON API on a local URL."""

from __future__ import annotations

import contextlib
from pathlib import Path

import click

from ..config import resolve_config
from ..errors import ConfigError
from ..ingest import DEFAULT_MAX_BYTES
from .common import err_console, setup_logging

__all__ = ["serve"]


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
@click.option("--no-trace", is_flag=True, help="Don't append per-call trace lines to TJ_HOME/traces.")
@click.option("-v", "--verbose", is_flag=True, help="Log requests and progress.")
def serve(
    host: str,
    port: int,
    token: str | None,
    allowed_hosts: tuple[str, ...],
    rubrics: tuple[Path, ...],
    model: str | None,
    base_url: str | None,
    config_path: str | None,
    tagger: str | None,
    concurrency: int | None,
    chunk_tokens: int | None,
    max_file_mb: float,
    max_jobs: int,
    no_trace: bool,
    verbose: bool,
) -> None:
    """Serve the web page and JSON API (127.0.0.1 by default). Ctrl-C stops it;
    analyses cut off by a stop can be resumed from the page."""
    from ..web import WebSettings, create_app
    from ..web.app import default_llm_factory
    from ..web.server import bind, make_server, url_of

    setup_logging(verbose)
    cfg = resolve_config(
        model=model, base_url=base_url, config_path=config_path, concurrency=concurrency, chunk_tokens=chunk_tokens
    )
    use_llm = tagger != "lexical" and cfg.llm_configured
    if tagger == "llm" and not cfg.llm_configured:
        raise ConfigError(
            "No model is configured, and --tagger llm was asked for.",
            hint="Set OPENAI_API_KEY (or TJ_API_KEY), or --base-url for a local server.",
        )
    settings = WebSettings(
        host=host,
        port=port,
        token=token or None,
        allowed_hosts=allowed_hosts,
        max_upload_bytes=int(max_file_mb * 1_048_576),
        max_jobs=max_jobs,
        rubrics=rubrics,
        trace=not no_trace,
        analysis=cfg.analysis_settings(tagger="llm" if use_llm else "lexical"),
    )
    settings.check()  # before binding: a refused bind never listens, even for a moment
    sock = bind(host, port)
    app = create_app(settings, llm_factory=default_llm_factory(cfg) if use_llm else None)
    url = url_of(sock)
    shown = f"{url}?token=…(TJ_WEB_TOKEN)" if token else url
    err_console.print(f"transcript-judge web: [bold]{shown}[/]  (Ctrl-C to stop)", highlight=False)
    if token:
        err_console.print(
            "  Open it once with ?token=<your token>; the browser then keeps a session cookie.",
            highlight=False,
            markup=False,
        )
    if use_llm:
        err_console.print(f"  {cfg.describe()}", highlight=False, markup=False)
    else:
        err_console.print("  [yellow]No LLM configured: analyses use the offline KEYWORD BASELINE.[/]", highlight=False)
    # uvicorn re-raises Ctrl-C after its graceful shutdown; here that is a normal stop.
    with contextlib.suppress(KeyboardInterrupt):
        make_server(app, log_level="info" if verbose else "warning").run(sockets=[sock])
    err_console.print(
        "stopped. Analyses that were running are marked interrupted; resume them from the page.",
        highlight=False,
        markup=False,
    )

