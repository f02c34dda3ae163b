"""Small in-process caches for what is costly to rebuild and never changes once built: opened
key stores, loaded signers, parsed CA keys. Bounded, thread-safe, and never written anywhere."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["Lru", "PerObject"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Lru(Generic[K, V]):
    """The last `size` values by key; `get(key, make)` builds a missing one outside the lock
    (two threads may both build it; either result is equally good)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K, make: Callable[[], V]) -> V:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = make()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return value


class PerObject(Generic[V]):
    """A value derived from an immutable object, found by the object's identity. The cache keeps
    the object alive while the entry lives, so its id cannot be reused by another object."""

    def __init__(self, size: int) -> None:
        self._lru: Lru[int, tuple[object, V]] = Lru(size)

    def get(self, owner: object, make: Callable[[], V]) -> V:
        return self._lru.get(id(owner), lambda: (owner, make()))[1]
