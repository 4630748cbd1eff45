"""The vectors of the team's example questions, each tied to the article that answers it.

People tell the same situations in many ways; the training pairs (corpus/training.yaml)
are such tellings. A question close to an example points to that article, even when it
shares no word with the law (see search/reranking.py). `musoya train` computes the vectors;
they ship with the code.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

EXAMPLES = Path(__file__).with_name("examples.npz")


def fingerprint(pairs: list[dict]) -> str:
    return hashlib.sha256(json.dumps(pairs, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


def save(pairs: list[dict], vectors: np.ndarray, out: Path = EXAMPLES) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp.npz")
    np.savez_compressed(tmp, vectors=np.asarray(vectors, dtype=np.float16),
                        articles=np.array([p["article"] for p in pairs]), pairs=fingerprint(pairs))
    tmp.replace(out)
    return out


def load(path: Path) -> tuple[np.ndarray, list[str], str]:
    with np.load(path) as data:
        return data["vectors"].astype(np.float32), [str(a) for a in data["articles"]], str(data["pairs"])
