"""
Per-process memory of large answers, kept as rendered JSON.

Some reads (a week of minute history, 90 days of DAU by place) answer with
hundreds of kilobytes that stay the same until the data under them changes.
The caller computes a key that moves whenever the answer would (a version, a
count and latest row) with one cheap query; while it stands, the answer is
served from this process's memory as an `orjson.Fragment`, which core's
encoder writes as it is: no cache round trip, no Python objects rebuilt, and
one buffer per answer instead of a dict tree per request.
"""
from __future__ import annotations

from collections import OrderedDict
import threading
from typing import Callable, Hashable

import orjson

from core.jsonutil import dumps


_memos: list[RenderedMemo] = []


def clear_all() -> None:
    """Forget every answer kept in this process (tests, whose rolled-back data can repeat a key)."""
    for memo in _memos:
        memo.clear()


class RenderedMemo:
    """A small thread-safe LRU of rendered answers; `size` bounds the entries kept."""

    def __init__(self, size: int):
        self.size = size
        self._entries: OrderedDict[Hashable, orjson.Fragment] = OrderedDict()
        self._lock = threading.Lock()
        _memos.append(self)

    def get_or_render(self, key: Hashable, compute: Callable[[], object]) -> orjson.Fragment:
        """The answer kept for `key`, or `compute()` rendered, kept and returned."""
        with self._lock:
            kept = self._entries.get(key)
            if kept is not None:
                self._entries.move_to_end(key)
                return kept
        # Computed outside the lock: two threads missing the same key both compute, and the
        # answers are equal; holding the lock would queue every other key behind this one.
        rendered = orjson.Fragment(dumps(compute()))
        with self._lock:
            self._entries[key] = rendered
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return rendered

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
