"""Bounded, adaptive concurrency across chunks.

At most ``limit`` calls run at once. When the service pushes back (a call needed retries
for 429s), the limit halves; after a run of clean calls it grows back by one, up to the
configured maximum (AIMD, as TCP does).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

__all__ = ["AdaptiveLimiter"]


class AdaptiveLimiter:
    def __init__(self, maximum: int, *, recover_after: int = 4) -> None:
        self.maximum = max(1, maximum)
        self.limit = self.maximum
        self.recover_after = recover_after
        self._active = 0
        self._clean = 0
        self._cond = asyncio.Condition()
        self.lowest = self.limit
        self.backoffs = 0

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        async with self._cond:
            await self._cond.wait_for(lambda: self._active < self.limit)
            self._active += 1
        try:
            yield
        finally:
            async with self._cond:
                self._active -= 1
                self._cond.notify_all()

    def report(self, *, pushed_back: bool) -> None:
        """Tell the limiter how a call went."""
        if pushed_back:
            self.limit = max(1, self.limit // 2)
            self.lowest = min(self.lowest, self.limit)
            self.backoffs += 1
            self._clean = 0
            return
        self._clean += 1
        if self._clean >= self.recover_after and self.limit < self.maximum:
            self.limit += 1
            self._clean = 0
