"""The browser front end and JSON API: ``transcript-judge serve``.

``create_app`` builds the ASGI app; ``WebSettings`` is its one settings object. Jobs run
as asyncio tasks in the server's loop, against the same SQLite store as the CLI.
"""

from .app import create_app
from .settings import WebSettings

__all__ = ["WebSettings", "create_app"]
