"""Where a submitted batch's id is kept, so an interrupted run resumes it instead of paying twice.

One small JSON file per batch, ``<dir>/<key>.json``, the key hashing the batch's input.
Written atomically (a temporary file renamed), read leniently: an unreadable file or one
of another version is as good as none (the round is submitted again).
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["BatchState"]

log = logging.getLogger(__name__)

_VERSION = 1


@dataclass(frozen=True)
class BatchState:
    path: Path
    key: str

    def read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as e:
            log.warning("ignoring unreadable batch state %s: %s", self.path, e)
            return {}
        return data if isinstance(data, dict) and data.get("version") == _VERSION else {}

    def write(self, data: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({**data, "version": _VERSION, "key": self.key}, fh, indent=2)
        Path(tmp).replace(self.path)

    def forget(self) -> None:
        self.path.unlink(missing_ok=True)
