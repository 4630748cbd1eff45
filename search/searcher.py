"""Plain-French questions → articles, through Haystack query pipelines over Qdrant."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

from haystack import Pipeline
from haystack_integrations.components.retrievers.qdrant import (
    QdrantEmbeddingRetriever,
    QdrantHybridRetriever,
    QdrantSparseEmbeddingRetriever,
)

from ingest.index import Index
from ingest.sparse import FrenchSparseTextEmbedder
from search.expansion import QueryExpander
from search.grouping import ArticleGrouper, Hit

MODES = ("hybrid", "dense", "sparse")
MAX_QUERY_CHARS = 2000
CHUNKS_PER_ARTICLE = 3  # fetch enough chunks that grouping still fills top_k articles
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class QueryError(ValueError):
    """A question that cannot be searched; the message is for the user."""


class IndexMissing(RuntimeError):
    """No index has been built yet; the message is for the user."""


@dataclass
class SearchResult:
    query: str
    took_ms: float
    hits: list[Hit] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "query": self.query,
            "took_ms": round(self.took_ms, 1),
            "hits": [
                {"instrument": h.instrument, "article": h.article, "short_title": h.short_title,
                 "score": h.score, "text": h.text, "key": h.key, "citation": h.citation,
                 "hierarchy": h.hierarchy}
                for h in self.hits
            ],
        }


def clean_query(query: str) -> str:
    query = " ".join(CONTROL.sub(" ", query or "").split())
    if not query:
        raise QueryError("La question est vide : écrivez quelques mots, par exemple « mariage d’une fille de 14 ans ».")
    return query[:MAX_QUERY_CHARS]


def build_filters(instrument: str | None = None, jurisdiction: str | None = None, kind: str | None = None):
    conditions = [
        {"field": f"meta.{name}", "operator": "==", "value": value}
        for name, value in (("instrument", instrument), ("jurisdiction", jurisdiction), ("kind", kind))
        if value
    ]
    return {"operator": "AND", "conditions": conditions} if conditions else None


class Searcher:
    """Holds one query pipeline per mode; the model and the store are loaded once."""

    def __init__(self, index: Index, text_embedder_factory, top_k: int = 10, glossary: str | None = None):
        self.index = index
        self.glossary = glossary
        self.text_embedder_factory = text_embedder_factory  # a component joins one pipeline only
        self.top_k = top_k
        self._pipelines: dict[str, Pipeline] = {}

    def _pipeline(self, mode: str) -> Pipeline:
        if mode not in self._pipelines:
            self._pipelines[mode] = self._build(mode)
        return self._pipelines[mode]

    def _build(self, mode: str) -> Pipeline:
        store = self.index.store()
        pipeline = Pipeline()
        pipeline.add_component("grouper", ArticleGrouper(store, self.top_k))
        if mode in ("hybrid", "dense"):
            pipeline.add_component("dense", self.text_embedder_factory())
        if mode in ("hybrid", "sparse"):
            pipeline.add_component("sparse", FrenchSparseTextEmbedder())
        retriever = {
            "hybrid": QdrantHybridRetriever,
            "dense": QdrantEmbeddingRetriever,
            "sparse": QdrantSparseEmbeddingRetriever,
        }[mode](document_store=store)
        pipeline.add_component("retriever", retriever)
        if self.glossary:
            pipeline.add_component("expander", QueryExpander(self.glossary))
        for embedder, output in (("dense", "embedding"), ("sparse", "sparse_embedding")):
            if embedder in pipeline.graph.nodes:
                pipeline.connect(f"{embedder}.{output}", f"retriever.query_{output}")
                if self.glossary:
                    pipeline.connect("expander.text", f"{embedder}.text")
        pipeline.connect("retriever.documents", "grouper.documents")
        return pipeline

    def search(
        self,
        query: str,
        top_k: int | None = None,
        mode: str = "hybrid",
        instrument: str | None = None,
        jurisdiction: str | None = None,
        kind: str | None = None,
    ) -> SearchResult:
        if mode not in MODES:
            raise QueryError(f"Mode de recherche inconnu : « {mode} » (choix : {', '.join(MODES)}).")
        text = clean_query(query)
        if self.index.serving() is None:
            raise IndexMissing("L’index n’est pas encore construit : lancez « musoya ingest » (ou l’application).")
        k = max(1, min(top_k or self.top_k, 100))
        started = time.perf_counter()
        inputs = {
            "retriever": {"filters": build_filters(instrument, jurisdiction, kind), "top_k": k * CHUNKS_PER_ARTICLE},
            "grouper": {"top_k": k},
        }
        pipeline = self._pipeline(mode)
        if self.glossary:
            inputs["expander"] = {"query": text}
        else:
            inputs.update({name: {"text": text} for name in ("dense", "sparse") if name in pipeline.graph.nodes})
        hits = pipeline.run(inputs)["grouper"]["hits"]
        return SearchResult(query=text, took_ms=(time.perf_counter() - started) * 1000, hits=hits)


def open_searcher(settings, client, announce=print) -> Searcher:
    from functools import partial

    from ingest.embedders import text_embedder

    glossary = str(settings.glossary) if settings.glossary.is_file() else None
    return Searcher(Index(settings, client), partial(text_embedder, settings, announce), settings.top_k, glossary)
