"""Weighted reciprocal-rank fusion of the dense and the sparse lists."""

from __future__ import annotations

from dataclasses import replace

from haystack import Document, component, default_from_dict, default_to_dict

from search.grouping import article_of

RRF_K = 60


@component
class WeightedFusion:
    """Ranks chunks by `w / (k + rank)` summed over the lists that found them; keeps each article's best.

    Named inputs (not a variadic joiner) so the weight always goes to the right list. The
    articles of each list, in order, go on to the reranker as plain identifiers.
    """

    def __init__(self, dense_weight: float = 0.5, k: int = RRF_K):
        if not 0.0 <= dense_weight <= 1.0:
            raise ValueError("dense_weight must be between 0 and 1")
        self.dense_weight = dense_weight
        self.k = k

    def to_dict(self) -> dict:
        return default_to_dict(self, dense_weight=self.dense_weight, k=self.k)

    @classmethod
    def from_dict(cls, data: dict) -> "WeightedFusion":
        return default_from_dict(cls, data)

    @component.output_types(documents=list[Document], dense_articles=list[str], sparse_articles=list[str])
    def run(self, dense_documents: list[Document], sparse_documents: list[Document], top_k: int | None = None):
        """`top_k`: how many articles the next steps need (None: all)."""
        scores: dict[str, float] = {}
        first: dict[str, Document] = {}
        for documents, weight in ((dense_documents, self.dense_weight), (sparse_documents, 1.0 - self.dense_weight)):
            for rank, doc in enumerate(documents):
                scores[doc.id] = scores.get(doc.id, 0.0) + weight / (self.k + rank + 1)
                first.setdefault(doc.id, doc)
        best: dict[str, Document] = {}
        for i in sorted(scores, key=scores.get, reverse=True):  # an article's best chunk is all later steps keep
            best.setdefault(f"{first[i].meta['instrument']}:{first[i].meta['key']}", replace(first[i], score=scores[i]))
        return {"documents": list(best.values())[:top_k],
                "dense_articles": articles_of(dense_documents), "sparse_articles": articles_of(sparse_documents)}


def articles_of(documents: list[Document]) -> list[str]:
    """`instrument:key` of each document, best first, each article once."""
    return list(dict.fromkeys(article_of(d) for d in documents))


@component
class ThemeBoost:
    """Raises the chunks of the themes the question speaks of ("ma sœur de 14 ans" + marier →
    mariage d’enfant): the curated theme articles are where the law answers such situations."""

    def __init__(self, tagger, boost: float = 1.0):
        self.tagger = tagger
        self.boost = boost

    @component.output_types(documents=list[Document])
    def run(self, documents: list[Document], text: str, top_k: int | None = None):
        """`top_k`: how many documents the next steps need (None: all)."""
        themes = set(self.tagger.match_question(text))
        if not themes:
            return {"documents": documents[:top_k]}
        boosted = [replace(d, score=(d.score or 0.0) * (1 + self.boost)) if themes & set(d.meta.get("themes") or [])
                   else d for d in documents]
        return {"documents": sorted(boosted, key=lambda d: d.score or 0.0, reverse=True)[:top_k]}
