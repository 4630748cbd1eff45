"""The vectors of the team's example questions, each tied to the article that answers it.

People tell the same situations in many ways; the training pairs (corpus/training.yaml)
are such tellings. A question close to an example points to that article, even when it
shares no word with the law (see search/reranking.py). `musoya train` computes the vectors;
they ship with the code.

An article votes only once it has MIN_EXAMPLES questions: a lone question is thin evidence,
and measured on the later evaluation sets, the articles with one or two questions crowded
out the well-described ones (primary@5 0.650 → 0.617).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

import numpy as np

EXAMPLES = Path(__file__).with_name("examples.npz")
MIN_EXAMPLES = 3


def fingerprint(pairs: list[dict]) -> str:
    return hashlib.sha256(json.dumps(pairs, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


def voting(pairs: list[dict]) -> list[int]:
    """The pairs whose article has enough questions to be voted for."""
    counts = Counter(p["article"] for p in pairs)
    return [i for i, p in enumerate(pairs) if counts[p["article"]] >= MIN_EXAMPLES]


def without(vectors: np.ndarray, articles: list[str], article: str) -> tuple[np.ndarray, list[str]]:
    """The examples less those of `article`: it is then searched as an article no example describes."""
    kept = [i for i, a in enumerate(articles) if a != article]
    return vectors[kept], [articles[i] for i in kept]


def save(pairs: list[dict], vectors: np.ndarray, out: Path = EXAMPLES, source: list[dict] | None = None) -> Path:
    """`source`: all the pairs the examples were chosen from (their fingerprint is kept)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp.npz")
    np.savez_compressed(tmp, vectors=np.asarray(vectors, dtype=np.float16),
                        articles=np.array([p["article"] for p in pairs]), pairs=fingerprint(source or pairs))
    tmp.replace(out)
    return out


def load(path: Path) -> tuple[np.ndarray, list[str], str]:
    with np.load(path) as data:
        return data["vectors"].astype(np.float32), [str(a) for a in data["articles"]], str(data["pairs"])
