"""Remembers the vectors of recent questions: a question asked again (another filter, the
card after the list, the evaluation's configurations) is not embedded twice.

The vector travels as one numpy array: a pipeline copies every component's inputs, and a
list of 384 floats costs milliseconds to copy where an array costs microseconds."""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np
from haystack import component

SIZE = 1024
_cache: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
_lock = threading.Lock()


@component
class CachedTextEmbedder:
    def __init__(self, embedder):
        self.embedder = embedder

    def warm_up(self):
        if hasattr(self.embedder, "warm_up"):
            self.embedder.warm_up()

    @component.output_types(vector=np.ndarray)
    def run(self, text: str):
        key = (str(getattr(self.embedder, "model", type(self.embedder).__name__)), text)
        with _lock:
            if key in _cache:
                _cache.move_to_end(key)
                return {"vector": _cache[key]}
        vector = np.asarray(self.embedder.run(text=text)["embedding"], dtype=np.float32)
        vector.flags.writeable = False  # shared by every later search of the same question
        with _lock:
            _cache[key] = vector
            while len(_cache) > SIZE:
                _cache.popitem(last=False)
        return {"vector": vector}


def clear() -> None:
    with _lock:
        _cache.clear()
