"""Serving the app with uvicorn on a socket we bind ourselves (so port 0 works, and a
busy port is a plain error rather than a traceback)."""

from __future__ import annotations

import errno
import socket
from collections.abc import Callable

import uvicorn
from fastapi import FastAPI

from ..errors import ConfigError

__all__ = ["bind", "make_server", "url_of"]

GRACEFUL_SHUTDOWN_S = 3  # open event streams don't hold Ctrl-C up for long


def bind(host: str, port: int) -> socket.socket:
    """A listening-ready socket on ``host:port`` (0 picks a free port).

    Raises:
        ConfigError: the address is in use or can't be bound.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as e:
        sock.close()
        if e.errno == errno.EADDRINUSE:
            raise ConfigError(
                f"Port {port} on {host} is already in use.", hint="Pick another with --port (0: any free one)."
            ) from e
        raise ConfigError(f"Can't listen on {host}:{port}: {e.strerror or e}.") from e
    sock.set_inheritable(True)
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


class _Server(uvicorn.Server):
    """uvicorn, telling the app first when it stops, so open event streams end at once
    instead of holding the graceful shutdown up (and being cancelled noisily)."""

    def __init__(self, config: uvicorn.Config, on_stop: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_stop = on_stop

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self._on_stop()
        await super().shutdown(sockets=sockets)


def make_server(app: FastAPI, *, log_level: str = "warning") -> uvicorn.Server:
    config = uvicorn.Config(
        app,
        log_level=log_level,
        ws="none",
        lifespan="on",
        server_header=False,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
    )
    return _Server(config, on_stop=app.state.service.runner.stop_streams)
