"""`musoya train`: what the search learns from the team's example questions.

Three things, against the serving index: the examples' vectors (corpus/training.yaml and
corpus/coverage.yaml), the query adapter and the reranker's weights. The last two learn from
training.yaml only, questions written the way people ask theirs: fitted on every article's
questions (coverage's legal wording included), the adapter and the reranker both did worse on
the evaluation sets. The reranker must learn from questions judged as unseen ones will be, so
each training question is searched with an adapter fitted on the other folds and never votes
for itself.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ingest.index import Index
from search import adapter, examples, reranking
from search.searcher import open_searcher

FOLDS = 5


@dataclass
class TrainingReport:
    pairs: int
    articles: int
    skipped: list[str]
    seconds: float
    candidates_found: float  # share of training questions whose article is among the reranked candidates
    examples: int  # questions that vote (training and coverage), on `example_articles` articles
    example_articles: int


def train(settings, client, pairs: list[dict], embed, epochs: int = 150, seed: int = 13, progress=None,
          out_dir: Path = Path(__file__).parent, coverage: list[dict] = ()) -> TrainingReport:
    """`embed(question)` returns the plain vector the dense side computes for it."""
    started = time.perf_counter()
    step = progress or (lambda done, total, label: None)
    everything = list(pairs) + list(coverage)
    voters = examples.voting(everything)
    needed = sorted(set(range(len(pairs))) | set(voters))
    computed = {}
    for i in needed:
        computed[i] = embed(everything[i]["question"])
        step(len(computed), len(needed), "vecteurs des exemples")
    vectors = np.asarray([computed[i] for i in range(len(pairs))], dtype=np.float32)
    voting_vectors = np.asarray([computed[i] for i in voters], dtype=np.float32).reshape(len(voters), vectors.shape[1])
    voting_articles = [everything[i]["article"] for i in voters]
    examples.save([everything[i] for i in voters], voting_vectors, out_dir / examples.EXAMPLES.name, source=everything)
    as_voter = {i: k for k, i in enumerate(voters)}

    corpus = reranking.Corpus(client).load(Index(settings, client).serving())
    index = corpus.position
    kept = [i for i, p in enumerate(pairs) if p["article"] in index]
    if not kept:
        raise ValueError("Aucune paire d’entraînement ne correspond à un article de l’index.")

    def fit_adapter(questions: list[int]) -> np.ndarray:
        weight, _ = adapter.fit(vectors[questions], [index[pairs[i]["article"]] for i in questions], corpus.vectors,
                                corpus.owner, epochs=epochs, seed=seed)
        return weight

    adapter.save(fit_adapter(kept), [pairs[i] for i in kept], out_dir / adapter.ADAPTER.name, epochs, seed)
    fold = np.random.default_rng(seed).integers(0, FOLDS, len(pairs))
    rows, labels, found = [], [], 0
    with tempfile.TemporaryDirectory() as folder:
        for f in range(FOLDS):
            weight = fit_adapter([i for i in kept if fold[i] != f])
            path = Path(folder) / f"adapter-{f}.npz"
            np.savez(path, weight=weight)
            searcher = open_searcher(settings.model_copy(update={"query_adapter": path, "reranker": None}), client,
                                     announce=lambda _: None)
            for i in (i for i in kept if fold[i] == f):
                result = searcher.search(pairs[i]["question"], top_k=reranking.CANDIDATES)
                candidates, signals = reranking.signals(
                    corpus, [f"{h.instrument}:{h.key}" for h in result.hits], result.ranked.get("sparse", []),
                    result.ranked.get("dense", []), voting_vectors, voting_articles, vectors[i],
                    weight.astype(np.float32), exclude=as_voter.get(i))
                rows.append(signals)
                labels += [c == pairs[i]["article"] for c in candidates]
                found += pairs[i]["article"] in candidates
                step(len(rows), len(kept), "questions cherchées pour le reclassement")
    weights = reranking.fit(np.vstack(rows), np.asarray(labels))
    reranking.save(weights, out_dir / reranking.RERANKER.name)
    return TrainingReport(len(kept), len({pairs[i]["article"] for i in kept}),
                          sorted({p["article"] for p in pairs if p["article"] not in index}),
                          time.perf_counter() - started, found / len(kept), len(voters), len(set(voting_articles)))

