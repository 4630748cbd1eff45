"""A learnt reranking of the candidate articles, from the team's example questions.

No single list is right often enough: BM25 finds the law's words, the dense side the
meaning, the example questions how people tell a situation. A logistic model, fitted by
`musoya train` on the training questions (each judged by a question encoder and by examples
that never saw it), weighs a few signals per candidate article and orders them. The weights
are a small JSON file shipped with the code.
"""

from __future__ import annotations

import json
import math
import threading
from dataclasses import replace
from pathlib import Path

import numpy as np
from haystack import Document, component

from search.examples import Examples, load as load_examples
from search.fusion import articles_of
from search.grouping import FirstChunks, article_of

RERANKER = Path(__file__).with_name("reranker.json")
SIGNALS = ("fused_rank", "sparse_rank", "dense_rank", "example_rank", "near_examples", "cosine_gap", "national", "voted")
# Whether any example question describes the article, and each signal again for such articles only: an
# article no example describes (a text the user adds) is then weighed on its own terms, not as a loser
# of the examples' vote.
# The examples' votes by their words and by their character 4-grams (search/examples.py): the article's
# rank among the articles whose examples share the question's words (4-grams), and its best score against
# the best one.
WORDS = ("word_rank", "word_score", "gram_rank", "gram_score")
FEATURES = (*SIGNALS, "described", *(f"{name} × described" for name in SIGNALS), *WORDS)
CANDIDATES = 15  # articles of the fused list that are reranked
VOTERS = 20  # articles of the nearest examples added as candidates
WORD_VOTERS = 5  # and the first articles of the word vote (« je te répudie » names one the vectors miss)
ABSENT = 40  # the rank given to an article a list did not return


def _rank(position: int | None) -> float:
    return math.log1p(position if position is not None else ABSENT)


def candidates_of(fused: list[str], examples: list[str], words: dict[str, float]) -> list[str]:
    """The first fused articles, the nearest examples' articles, the word vote's first ones."""
    return list(dict.fromkeys(fused[:CANDIDATES] + list(dict.fromkeys(examples))[:VOTERS] + list(words)[:WORD_VOTERS]))


def _votes(votes: dict[str, float]) -> tuple[dict[str, int], float]:
    """Each article's place in a vote, and the best score (to scale the others)."""
    return {a: i + 1 for i, a in enumerate(votes)}, next(iter(votes.values()), 1.0) or 1.0


def candidate_features(fused: list[str], sparse: list[str], dense: list[str], examples: list[str],
                       cosines: dict[str, float], national: set[str], words: dict[str, float] | None = None,
                       grams: dict[str, float] | None = None) -> tuple[list[str], np.ndarray]:
    """The candidates (`candidates_of`) and their signals.

    `examples` is the example questions' articles, nearest first (one per example);
    `cosines` maps each candidate to its best chunk's cosine with the question vector, and
    holds the best cosine over the corpus under the key "". `words`, `grams`: the examples' votes
    by words and by 4-grams, best first (`Examples.word_votes`, `Examples.gram_votes`).
    """
    words, grams = words or {}, grams or {}
    (word_rank, best_words), (gram_rank, best_grams) = _votes(words), _votes(grams)
    fused = fused[:CANDIDATES]  # as in training, where the search returned this many articles
    voted = list(dict.fromkeys(examples))[:VOTERS]
    candidates = candidates_of(fused, examples, words)
    positions = [{a: i + 1 for i, a in reversed(list(enumerate(ranked)))} for ranked in (fused, sparse, dense)]
    example_rank = {a: i + 1 for i, a in enumerate(dict.fromkeys(examples))}
    nearest = examples[:10]
    rows = []
    for article in candidates:
        signals = [*(_rank(p.get(article)) for p in positions),
                   math.log1p(min(example_rank.get(article, 100), 100)),
                   nearest.count(article),
                   cosines.get(article, -1.0) - cosines[""],
                   float(article in national),
                   float(article in voted)]
        described = float(article in example_rank)
        rows.append([*signals, described, *(value * described for value in signals),
                     math.log1p(min(word_rank.get(article, 100), 100)), words.get(article, 0.0) / best_words,
                     math.log1p(min(gram_rank.get(article, 100), 100)), grams.get(article, 0.0) / best_grams])
    return candidates, np.asarray(rows, dtype=np.float64)


class Model:
    """Logistic weights over standardised signals; a file from other signals is not used."""

    def __init__(self, weights: dict):
        if weights.get("features") != list(FEATURES):
            raise ValueError("reranker weights were fitted on other signals: run `musoya train`")
        self.mean = np.asarray(weights["mean"])
        self.scale = np.asarray(weights["scale"])
        self.coef = np.asarray(weights["coef"])
        self.bias = float(weights.get("bias", 0.0))

    @classmethod
    def load(cls, path: Path) -> "Model":
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def scores(self, rows: np.ndarray) -> np.ndarray:
        """The chance that each candidate is the article that answers (0 to 1)."""
        return 1.0 / (1.0 + np.exp(-(((rows - self.mean) / self.scale) @ self.coef + self.bias)))


def fit(rows: np.ndarray, labels: np.ndarray, l2: float = 0.01, steps: int = 4000) -> dict:
    """Logistic regression on standardised signals (numpy, deterministic)."""
    mean, scale = rows.mean(0), rows.std(0) + 1e-9
    z = (rows - mean) / scale
    y = labels.astype(float)
    coef, bias = np.zeros(z.shape[1]), 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(z @ coef + bias)))
        coef -= 0.5 * (z.T @ (p - y) / len(y) + l2 * coef)
        bias -= 0.5 * float(np.mean(p - y))
    return {"features": list(FEATURES), "mean": mean.tolist(), "scale": scale.tolist(), "coef": coef.tolist(),
            "bias": bias}


def save(weights: dict, path: Path = RERANKER) -> None:
    path.write_text(json.dumps(weights, indent=2) + "\n", encoding="utf-8")


class Corpus:
    """Every chunk's vector and the Malian articles, loaded once per serving collection."""

    _lock = threading.Lock()

    def __init__(self, client):
        self.client = client
        self.collection: str | None = None

    def load(self, collection: str) -> "Corpus":
        with self._lock:
            if collection != self.collection:
                self._read(collection)
                self.collection = collection
        return self

    def _read(self, collection: str) -> None:
        """One pass over the collection; each article's chunks are then side by side."""
        from haystack_integrations.document_stores.qdrant.document_store import DENSE_VECTORS_NAME

        rows, offset = [], None
        while True:
            points, offset = self.client.scroll(
                collection, limit=1024, offset=offset, with_vectors=[DENSE_VECTORS_NAME],
                with_payload=["meta.instrument", "meta.key", "meta.jurisdiction"])
            for point in points:
                meta = point.payload["meta"]
                rows.append((f"{meta['instrument']}:{meta['key']}", meta.get("jurisdiction"),
                             point.vector[DENSE_VECTORS_NAME]))
            if offset is None:
                break
        rows.sort(key=lambda row: row[0])
        self.vectors = np.asarray([row[2] for row in rows], dtype=np.float32)
        self.position = {a: i for i, a in enumerate(dict.fromkeys(row[0] for row in rows))}
        self.owner = np.array([self.position[row[0]] for row in rows], dtype=np.int64)  # chunk → article
        self.starts = np.searchsorted(self.owner, np.arange(len(self.position)))
        self.national = {row[0] for row in rows if row[1] == "Mali"}

    def best_cosines(self, query: np.ndarray, articles: list[str]) -> dict[str, float]:
        """Each article's best chunk cosine with `query`, and the best over the corpus under ""."""
        per_article = np.maximum.reduceat(self.vectors @ query, self.starts)
        return {"": float(per_article.max()),
                **{a: float(per_article[self.position[a]]) for a in articles if a in self.position}}


def signals(corpus: Corpus, fused: list[str], sparse: list[str], dense: list[str], examples: Examples,
            question: str, vector: np.ndarray, exclude: int | None = None) -> tuple[list[str], np.ndarray]:
    """Everything `candidate_features` needs, from the lists, the question and its vector.

    `exclude` leaves one example out (a training question must not vote for itself)."""
    nearest = examples.nearest(vector, exclude)
    words = examples.word_votes(question, exclude)
    cosines = corpus.best_cosines(vector, candidates_of(fused, nearest, words))
    return candidate_features(fused, sparse, dense, nearest, cosines, corpus.national,
                              words, examples.gram_votes(question, exclude))


@component
class LearnedReranker:
    """Orders the candidate articles (`candidates_of`) by the learnt model.

    An article found only through the examples is fetched from the store (its first
    chunk) and kept only if it passes the search filters. When BM25 and the dense side
    both put the same article first, it stays first: the examples only know the articles
    they were written for, and a text the user adds has none (its own words must find it;
    on the evaluation sets the rule moved 5 of 345 questions, primary@5 unchanged).
    """

    def __init__(self, document_store, client, examples: str, weights: str):
        self.corpus = Corpus(client)
        self.first_chunks = FirstChunks(document_store)
        self.examples = load_examples(Path(examples))
        self.model = Model.load(Path(weights))

    @component.output_types(documents=list[Document], best_example=float)
    def run(self, documents: list[Document], sparse_articles: list[str], dense_articles: list[str],
            vector: np.ndarray, question: str, collection: str, filters: dict | None = None):
        vector = np.asarray(vector, dtype=np.float32)
        corpus = self.corpus.load(collection)
        fused = articles_of(documents)
        candidates, rows = signals(corpus, fused, sparse_articles, dense_articles, self.examples, question, vector)
        scores = dict(zip(candidates, self.model.scores(rows)))
        floor = min(scores.values(), default=0.0)
        for position, article in enumerate(a for a in fused if a not in scores):
            scores[article] = floor / (2 + position)  # past the candidates, the fused order stays
        best_chunk = {}
        for doc in documents:  # fused order: an article's first chunk here is its best passage
            best_chunk.setdefault(article_of(doc), doc)
        extra = [a for a in candidates if a not in best_chunk]
        chunks = [*best_chunk.values(),
                  *(d for d in self.first_chunks.of(extra, collection).values() if passes(filters, d))]
        ranked = sorted((replace(d, score=float(scores[article_of(d)])) for d in chunks), key=lambda d: d.score,
                        reverse=True)
        agreed = sparse_articles[0] if sparse_articles[:1] == dense_articles[:1] else None
        if ranked and agreed and agreed in scores and article_of(ranked[0]) != agreed:
            first = next(d for d in ranked if article_of(d) == agreed)
            ranked = [replace(first, score=ranked[0].score), *(d for d in ranked if d is not first)]
        best_example = float(np.max(self.examples.vectors @ vector)) if self.examples.articles else 0.0
        return {"documents": ranked, "best_example": best_example}


def passes(filters: dict | None, doc: Document) -> bool:
    """The searcher's filters (all `==`, joined by AND); a list field passes when it holds the value."""
    for condition in (filters or {}).get("conditions", []):
        value = doc.meta.get(condition["field"].removeprefix("meta."))
        if not (condition["value"] in value if isinstance(value, list) else value == condition["value"]):
            return False
    return True
