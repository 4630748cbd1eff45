"""Plain-French questions → articles, through Haystack query pipelines over Qdrant."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

import numpy as np
from haystack import Document, Pipeline, component
from haystack_integrations.components.retrievers.qdrant import (
    QdrantEmbeddingRetriever,
    QdrantSparseEmbeddingRetriever,
)

from ingest.index import Index
from ingest.sparse import FrenchSparseTextEmbedder
from search.expansion import QueryExpander
from search.fusion import ThemeBoost, WeightedFusion, articles_of
from search.grouping import ArticleGrouper, Hit
from search.linking import LinkedArticles
from search.query_cache import CachedTextEmbedder
from search.reranking import CANDIDATES, LearnedReranker
from search.spelling import SpellingCorrector, build_vocabulary

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
    ranked: dict[str, list[str]] = field(default_factory=dict)  # articles per retriever, best first
    top_scores: dict[str, float] = field(default_factory=dict)  # best raw score per retriever

    def to_dict(self) -> dict:
        return {
            "query": self.query,
            "took_ms": round(self.took_ms, 1),
            "hits": [
                {"instrument": h.instrument, "article": h.article, "short_title": h.short_title,
                 "score": h.score, "text": h.text, "key": h.key, "citation": h.citation,
                 "hierarchy": h.hierarchy, "linked_from": h.linked_from, "link": h.link}
                for h in self.hits
            ],
        }


def clean_query(query: str) -> str:
    query = " ".join(CONTROL.sub(" ", query or "").split())
    if not query:
        raise QueryError("La question est vide : écrivez quelques mots, par exemple « mariage d’une fille de 14 ans ».")
    return query[:MAX_QUERY_CHARS]


def build_filters(instrument: str | None = None, jurisdiction: str | None = None, kind: str | None = None,
                  theme: str | None = None):
    conditions = [
        {"field": f"meta.{name}", "operator": "==", "value": value}
        for name, value in (("instrument", instrument), ("jurisdiction", jurisdiction), ("kind", kind),
                            ("themes", theme))
        if value
    ]
    return {"operator": "AND", "conditions": conditions} if conditions else None


@component
class VectorRetriever:
    """Qdrant's dense retriever, fed the question's vector as an array (cheap to pass along)."""

    def __init__(self, document_store):
        self.retriever = QdrantEmbeddingRetriever(document_store=document_store)

    @component.output_types(documents=list[Document])
    def run(self, vector: np.ndarray, filters: dict | None = None, top_k: int | None = None):
        return self.retriever.run(query_embedding=vector.tolist(), filters=filters, top_k=top_k)


class Searcher:
    """Holds one query pipeline per mode; the model and the store are loaded once.

    Hybrid runs the dense and the sparse retrievers side by side and fuses their lists
    with `dense_weight`, so the balance follows what the evaluation shows.
    """

    def __init__(self, index: Index, text_embedder_factory, top_k: int = 10, glossary: str | None = None,
                 dense_weight: float = 0.5, expand_dense: bool = False, vocabulary=None, tagger=None,
                 theme_boost: float = 1.0, examples: str | None = None, reranker: str | None = None,
                 crossrefs: str | None = None):
        self.index = index
        self.crossrefs = crossrefs  # curated links: the first articles' linked provisions join the list
        self.examples = examples  # training questions' vectors: their articles join the candidates
        self.reranker = reranker  # learnt weights ordering the candidates (needs the examples)
        self.tagger = tagger  # curated themes: the question's themes raise their articles
        self.theme_boost = theme_boost
        self.vocabulary = vocabulary  # corpus words: unknown (misspelt) words reach their neighbours
        self.glossary = glossary
        self.dense_weight = dense_weight
        self.expand_dense = expand_dense
        self.text_embedder_factory = text_embedder_factory  # a component joins one pipeline only
        self.top_k = top_k
        self._pipelines: dict[str, Pipeline] = {}

    def _pipeline(self, mode: str) -> Pipeline:
        if mode not in self._pipelines:
            self._pipelines[mode] = self._build(mode)
        return self._pipelines[mode]

    def _reranks(self, mode: str) -> bool:
        return bool(self.examples and self.reranker) and mode == "hybrid"

    def _sources(self) -> dict[str, str | None]:
        """Where each embedder's text comes from (None: the question itself, as typed)."""
        raw = "corrector.text" if self.vocabulary else None
        expanded = "expander.text" if self.glossary else raw
        return {"expander": raw, "dense": expanded if self.expand_dense else raw, "sparse": expanded,
                "themes": expanded}

    def _build(self, mode: str) -> Pipeline:
        store = self.index.store()
        pipeline = Pipeline()
        pipeline.add_component("grouper", ArticleGrouper(store, self.top_k))
        if self.vocabulary:
            pipeline.add_component("corrector", SpellingCorrector(self.vocabulary))
        if self.glossary:
            pipeline.add_component("expander", QueryExpander(self.glossary))
        lists = []
        if mode in ("hybrid", "dense"):
            pipeline.add_component("dense", CachedTextEmbedder(self.text_embedder_factory()))
            pipeline.add_component("dense_retriever", VectorRetriever(store))
            pipeline.connect("dense.vector", "dense_retriever.vector")
            lists.append("dense")
        if mode in ("hybrid", "sparse"):
            pipeline.add_component("sparse", FrenchSparseTextEmbedder())
            pipeline.add_component("sparse_retriever", QdrantSparseEmbeddingRetriever(document_store=store))
            pipeline.connect("sparse.sparse_embedding", "sparse_retriever.query_sparse_embedding")
            lists.append("sparse")
        if self.tagger:
            pipeline.add_component("themes", ThemeBoost(self.tagger, self.theme_boost))
        for name, source in self._sources().items():
            if source and name in pipeline.graph.nodes:
                pipeline.connect(source, f"{name}.{'query' if name == 'expander' else 'text'}")
        ranked = f"{lists[0]}_retriever.documents"
        if len(lists) == 2:
            pipeline.add_component("fusion", WeightedFusion(self.dense_weight))
            pipeline.connect("dense_retriever.documents", "fusion.dense_documents")
            pipeline.connect("sparse_retriever.documents", "fusion.sparse_documents")
            ranked = "fusion.documents"
        if self.tagger:
            pipeline.connect(ranked, "themes.documents")
            ranked = "themes.documents"
        if self._reranks(mode):
            pipeline.add_component("reranker", LearnedReranker(store, self.index.client, self.examples, self.reranker))
            pipeline.connect("dense.vector", "reranker.vector")
            pipeline.connect("fusion.sparse_articles", "reranker.sparse_articles")
            pipeline.connect("fusion.dense_articles", "reranker.dense_articles")
            pipeline.connect(ranked, "reranker.documents")
            ranked = "reranker.documents"
        if self.crossrefs:
            pipeline.add_component("linker", LinkedArticles(store, self.crossrefs))
            pipeline.connect(ranked, "linker.documents")
            ranked = "linker.documents"
        pipeline.connect(ranked, "grouper.documents")
        return pipeline

    def search(
        self,
        query: str,
        top_k: int | None = None,
        mode: str = "hybrid",
        instrument: str | None = None,
        jurisdiction: str | None = None,
        kind: str | None = None,
        theme: str | None = None,
    ) -> SearchResult:
        if mode not in MODES:
            raise QueryError(f"Mode de recherche inconnu : « {mode} » (choix : {', '.join(MODES)}).")
        text = clean_query(query)
        collection = self.index.serving()
        if collection is None:
            raise IndexMissing("L’index n’est pas encore construit : lancez « musoya ingest » (ou l’application).")
        k = max(1, min(top_k or self.top_k, 100))
        started = time.perf_counter()
        pipeline = self._pipeline(mode)
        filters = build_filters(instrument, jurisdiction, kind, theme)
        inputs = {"grouper": {"top_k": k}}
        if self.crossrefs:
            inputs["linker"] = {"filters": filters, "collection": collection}
        retrievers = [name for name in ("dense_retriever", "sparse_retriever") if name in pipeline.graph.nodes]
        depth = k
        if self._reranks(mode):
            inputs["reranker"] = {"filters": filters, "collection": collection, "question": text}
            depth = max(k, CANDIDATES)  # the reranker sees as many candidates as it was trained on
        for name in retrievers:
            inputs[name] = {"filters": filters, "top_k": depth * CHUNKS_PER_ARTICLE}
        if "fusion" in pipeline.graph.nodes:  # one document per article from here on: pass on only what is used
            inputs["themes" if self.tagger else "fusion"] = {"top_k": depth}
        if self.vocabulary:
            inputs["corrector"] = {"query": text}
        for name, source in self._sources().items():
            if source is None and name in pipeline.graph.nodes:
                inputs.setdefault(name, {})["query" if name == "expander" else "text"] = text
        outputs = pipeline.run(inputs, include_outputs_from=set(retrievers))
        result = SearchResult(query=text, took_ms=(time.perf_counter() - started) * 1000,
                              hits=outputs["grouper"]["hits"])
        for name in retrievers:
            documents = outputs[name]["documents"]
            side = name.split("_")[0]
            result.ranked[side] = articles_of(documents)
            scores = [float(d.score or 0.0) for d in documents]
            result.top_scores[side] = scores[0] if scores else 0.0
            result.top_scores[f"{side}_margin"] = scores[0] - scores[min(9, len(scores) - 1)] if scores else 0.0
        if "reranker" in outputs:
            result.top_scores["example"] = outputs["reranker"]["best_example"]
        return result


def dense_text(settings):
    """The question as the dense side embeds it (spelling corrected, glossary terms added if set)."""
    steps = []
    if settings.spelling_tolerance:
        steps.append(SpellingCorrector(build_vocabulary(settings)))
    if settings.expand_dense and settings.glossary.is_file():
        steps.append(QueryExpander(str(settings.glossary)))

    def prepare(text: str) -> str:
        for step in steps:
            text = step.run(query=text)["text"]
        return text

    return prepare


def open_searcher(settings, client, announce=print) -> Searcher:
    from functools import partial

    from ingest.embedders import text_embedder

    glossary = str(settings.glossary) if settings.glossary.is_file() else None
    vocabulary = build_vocabulary(settings) if settings.spelling_tolerance else None
    tagger = None
    if settings.theme_boost and settings.themes.is_file():
        from ingest.themes import ThemeTagger, load_themes

        tagger = ThemeTagger(load_themes(settings.themes))
    examples, reranker = (str(p) if p and p.is_file() else None for p in (settings.examples, settings.reranker))
    crossrefs = str(settings.crossrefs) if settings.linked_articles and settings.crossrefs.is_file() else None
    return Searcher(Index(settings, client), partial(text_embedder, settings, announce), settings.top_k, glossary,
                    settings.dense_weight, settings.expand_dense, vocabulary, tagger, settings.theme_boost,
                    examples, reranker, crossrefs)
