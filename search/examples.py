"""The vectors of the team's example questions, each tied to the article that answers it.

People tell the same situations in many ways; the training pairs (corpus/training.yaml)
are such tellings. A question close to an example points to that article, even when it
shares no word with the law (see search/reranking.py). `musoya train` computes the vectors;
they ship with the code.

An article votes only once it has MIN_EXAMPLES questions: a lone question is thin evidence,
and measured on the later evaluation sets, the articles with one or two questions crowded
out the well-described ones (primary@5 0.650 → 0.617).

The examples vote twice: by meaning (their vectors) and by their words (BM25 over the
questions as written). People reuse the same everyday words the team wrote down — « je te
répudie », « garibou », « il ne m'a donné aucun papier » — which the law does not use and the
vectors blur. Measured (served, `musoya eval`), the word vote lifted primary@5 from 0.76 to 0.84
over the nine later sets and from 0.86 to 0.89 on gold; articles no example describes are unchanged.
A third vote reads the same questions as character 4-grams, so that « repudier », « répudié » and
« repudie » typed on a phone still meet.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
from scipy import sparse

from ingest.analyzer import analyze, term_weights, words

EXAMPLES = Path(__file__).with_name("examples.npz")
MIN_EXAMPLES = 3
GRAM = 4


def grams(text: str) -> list[str]:
    """Character 4-grams of each word, spaces around it: « mariiage » shares most of « mariage »'s."""
    return [f" {w} "[i:i + GRAM] for w in words(text) for i in range(len(w) - GRAM + 3)]


class Votes:
    """BM25 over the example questions, as the sparse side weighs articles: a question's terms
    score each example in one sparse product."""

    def __init__(self, documents: list[list[str]]):
        self.columns: dict[str, int] = {}
        average = sum(map(len, documents)) / max(len(documents), 1) or 1.0
        rows, cols, values = [], [], []
        for i, terms in enumerate(documents):
            for term, weight in term_weights(terms, average).items():
                rows.append(i)
                cols.append(self.columns.setdefault(term, len(self.columns)))
                values.append(weight)
        matrix = sparse.csc_matrix((values, (rows, cols)), shape=(len(documents), len(self.columns)))
        frequency = np.diff(matrix.indptr)
        idf = np.log(1 + (len(documents) - frequency + 0.5) / (frequency + 0.5))
        self.matrix = sparse.csc_matrix(matrix.multiply(idf.reshape(1, -1)))

    def scores(self, terms: list[str]) -> np.ndarray:
        columns = sorted({self.columns[t] for t in terms if t in self.columns})
        return np.asarray(self.matrix[:, columns].sum(axis=1)).ravel()


def fingerprint(pairs: list[dict]) -> str:
    return hashlib.sha256(json.dumps(pairs, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


def voting(pairs: list[dict]) -> list[int]:
    """The pairs whose article has enough questions to be voted for."""
    counts = Counter(p["article"] for p in pairs)
    return [i for i, p in enumerate(pairs) if counts[p["article"]] >= MIN_EXAMPLES]


@dataclass
class Examples:
    """The voting questions: their vectors, articles and words, in the same order."""

    vectors: np.ndarray
    articles: list[str]
    questions: list[str]
    fingerprint: str = ""

    def without(self, article: str) -> "Examples":
        """The examples less those of `article`: it is then searched as an article no example describes."""
        kept = [i for i, a in enumerate(self.articles) if a != article]
        return Examples(self.vectors[kept], [self.articles[i] for i in kept], [self.questions[i] for i in kept],
                        self.fingerprint)

    def nearest(self, vector: np.ndarray, exclude: int | None = None) -> list[str]:
        """Each example's article, nearest example first (`exclude`: one example that does not vote)."""
        similarity = self.vectors @ vector
        order = np.argsort(-similarity, kind="stable")
        return [self.articles[i] for i in order if i != exclude]

    @cached_property
    def _words(self) -> Votes:
        return Votes([analyze(q) for q in self.questions])

    @cached_property
    def _grams(self) -> Votes:
        return Votes([grams(q) for q in self.questions])

    def _best(self, scores: np.ndarray, exclude: int | None) -> dict[str, float]:
        """Each article's best example score, best first (articles no example scores are left out)."""
        if exclude is not None:
            scores[exclude] = 0.0
        best: dict[str, float] = {}
        for i in np.flatnonzero(scores > 0):
            best[self.articles[i]] = max(float(scores[i]), best.get(self.articles[i], 0.0))
        return dict(sorted(best.items(), key=lambda item: (-item[1], item[0])))

    def word_votes(self, question: str, exclude: int | None = None) -> dict[str, float]:
        """Each article's best BM25 score among its examples for the question's words, best first."""
        return self._best(self._words.scores(analyze(question)), exclude)

    def gram_votes(self, question: str, exclude: int | None = None) -> dict[str, float]:
        """The same over character 4-grams: words misspelt alike still meet."""
        return self._best(self._grams.scores(grams(question)), exclude)


def save(pairs: list[dict], vectors: np.ndarray, out: Path = EXAMPLES, source: list[dict] | None = None) -> Path:
    """`source`: all the pairs the examples were chosen from (their fingerprint is kept)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp.npz")
    np.savez_compressed(tmp, vectors=np.asarray(vectors, dtype=np.float16),
                        articles=np.array([p["article"] for p in pairs]),
                        questions=np.array([p["question"] for p in pairs]), pairs=fingerprint(source or pairs))
    tmp.replace(out)
    return out


def load(path: Path) -> Examples:
    with np.load(path) as data:
        if "questions" not in data.files:
            raise ValueError("Les questions d’exemple ont été enregistrées sans leur texte : lancez "
                             "« musoya train --exemples-seulement ».")
        return Examples(data["vectors"].astype(np.float32), [str(a) for a in data["articles"]],
                        [str(q) for q in data["questions"]], str(data["pairs"]))
