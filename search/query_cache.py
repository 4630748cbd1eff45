"""Remembers the vectors of recent questions: a question asked again (another filter, the
card after the list, the evaluation's configurations) is not embedded twice."""

from __future__ import annotations

import threading
from collections import OrderedDict

from haystack import component

SIZE = 1024
_cache: OrderedDict[tuple[str, str], list[float]] = OrderedDict()
_lock = threading.Lock()


@component
class CachedTextEmbedder:
    def __init__(self, embedder):
        self.embedder = embedder

    def warm_up(self):
        if hasattr(self.embedder, "warm_up"):
            self.embedder.warm_up()

    @component.output_types(embedding=list[float])
    def run(self, text: str):
        key = (str(getattr(self.embedder, "model", type(self.embedder).__name__)), text)
        with _lock:
            if key in _cache:
                _cache.move_to_end(key)
                return {"embedding": _cache[key]}
        embedding = self.embedder.run(text=text)["embedding"]
        with _lock:
            _cache[key] = embedding
            while len(_cache) > SIZE:
                _cache.popitem(last=False)
        return {"embedding": embedding}


def clear() -> None:
    with _lock:
        _cache.clear()
