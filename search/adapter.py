"""A linear adapter on the query embedding, learnt from plain-language question → article pairs.

People describe situations; the law names offences. A 384×384 matrix applied to the
question's vector (the articles' vectors stay as indexed) moves colloquial questions
towards the articles that answer them. It is small enough to ship with the code and is
trained in seconds on CPU (`musoya train`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from haystack import component, default_from_dict, default_to_dict

from search.examples import fingerprint

ADAPTER = Path(__file__).with_name("query_adapter.npz")


def load_matrix(path: Path) -> np.ndarray:
    with np.load(path) as data:
        return data["weight"].astype(np.float32)


@component
class QueryAdapter:
    """Applies the learnt matrix to a query embedding and re-normalises it."""

    def __init__(self, path: str):
        self.path = path
        self._weight = load_matrix(Path(path))

    def to_dict(self) -> dict:
        return default_to_dict(self, path=self.path)

    @classmethod
    def from_dict(cls, data: dict) -> "QueryAdapter":
        return default_from_dict(cls, data)

    @component.output_types(vector=np.ndarray)
    def run(self, vector: np.ndarray):
        adapted = self._weight @ np.asarray(vector, dtype=np.float32)
        return {"vector": adapted / (float(np.linalg.norm(adapted)) or 1.0)}


def fit(queries: np.ndarray, targets: list[int], chunks: np.ndarray, chunk_article: np.ndarray,
        epochs: int = 150, temperature: float = 0.05, regularisation: float = 1.0, seed: int = 13) -> tuple[np.ndarray, float]:
    """Full-softmax contrastive training over every article of the corpus.

    A question's score for an article is its best chunk; the matrix starts at identity
    and is pulled back towards it, so questions unlike the training ones keep their
    base behaviour.
    """
    import torch

    torch.manual_seed(seed)
    q = torch.from_numpy(queries)
    c = torch.from_numpy(chunks)
    owner = torch.from_numpy(chunk_article).long()
    n_articles = int(owner.max()) + 1
    y = torch.tensor(targets)
    weight = torch.nn.Parameter(torch.eye(q.shape[1]))
    optimiser = torch.optim.Adam([weight], lr=2e-3)
    identity = torch.eye(q.shape[1])
    loss = torch.tensor(0.0)
    for _ in range(epochs):
        optimiser.zero_grad()
        adapted = torch.nn.functional.normalize(q @ weight.T, dim=1)
        chunk_scores = adapted @ c.T / temperature
        article_scores = torch.full((q.shape[0], n_articles), -1e4).scatter_reduce(
            1, owner.expand(q.shape[0], -1), chunk_scores, reduce="amax")
        loss = torch.nn.functional.cross_entropy(article_scores, y) + regularisation * ((weight - identity) ** 2).sum()
        loss.backward()
        optimiser.step()
    return weight.detach().numpy(), float(loss.detach())


def save(weight: np.ndarray, pairs: list[dict], out: Path = ADAPTER, epochs: int = 150, seed: int = 13) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp.npz")
    np.savez_compressed(tmp, weight=weight.astype(np.float16), pairs=fingerprint(pairs), epochs=epochs, seed=seed)
    tmp.replace(out)
    return out
