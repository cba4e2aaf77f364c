"""Where the tool keeps its files, and how it writes them: owner-only.

The store, traces and exports hold transcripts and reports, so every folder the tool
creates is 0700 and every file it writes is 0600 (best effort: never an error).
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import IO

import platformdirs

__all__ = [
    "home_dir",
    "open_private",
    "open_private_append",
    "private_dir",
    "private_file",
    "store_path",
    "write_private_text",
]

_PRIVATE_DIR, _PRIVATE_FILE = 0o700, 0o600


def home_dir() -> Path:
    """The folder for the store and traces: ``TJ_HOME``, else the user data folder."""
    env = os.environ.get("TJ_HOME")
    return Path(env).expanduser() if env else Path(platformdirs.user_data_dir("transcript-judge"))


def store_path() -> Path:
    return home_dir() / "store.sqlite3"


def _tighten(path: Path, wanted: int) -> None:
    """chmod ``path`` to ``wanted`` if it is looser; never a shared (sticky) folder such as
    /tmp or the user's home, and never an error: permissions are best effort."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        st = path.stat()
        if path.is_dir() and (st.st_mode & stat.S_ISVTX or path.resolve() == Path.home().resolve()):
            return
        if stat.S_IMODE(st.st_mode) & ~wanted:
            path.chmod(stat.S_IMODE(st.st_mode) & wanted)


def private_dir(path: Path, *, tighten: bool = True) -> Path:
    """Create ``path`` (and its parents) if missing; the folder itself ends up 0700.

    Args:
        tighten: also tighten a folder that already existed (the tool's own folders);
            ``False`` for a folder the user chose, which is only created 0700 if missing.

    Raises:
        OSError: it can't be created.
    """
    existed = path.is_dir()
    path.mkdir(parents=True, exist_ok=True, mode=_PRIVATE_DIR)
    if tighten or not existed:
        _tighten(path, _PRIVATE_DIR)
    return path


def private_file(path: Path) -> None:
    """Make an existing file owner-only (0600); a missing one is ignored."""
    if path.exists():
        _tighten(path, _PRIVATE_FILE)


def open_private(path: Path, flags: int) -> int:
    """``os.open`` with ``O_CREAT``: a new file is 0600, and an existing one is tightened
    to 0600 (``os.open`` keeps an existing file's mode)."""
    fd = os.open(path, flags | os.O_CREAT, _PRIVATE_FILE)
    if os.name == "posix":
        with contextlib.suppress(OSError):
            os.fchmod(fd, _PRIVATE_FILE)
    return fd


def open_private_append(path: Path) -> IO[str]:
    """Open ``path`` to append text, created (or tightened to) 0600."""
    return os.fdopen(open_private(path, os.O_WRONLY | os.O_APPEND), "a", encoding="utf-8")


def write_private_text(path: Path, text: str | Iterable[str]) -> None:
    """Write an export (a report, a baseline) readable only by its owner (0600): a text,
    or its pieces (written as they come)."""
    with os.fdopen(open_private(path, os.O_WRONLY | os.O_TRUNC), "w", encoding="utf-8") as fh:
        if isinstance(text, str):
            fh.write(text)
        else:
            fh.writelines(text)
