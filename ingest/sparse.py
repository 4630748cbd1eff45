"""Sparse BM25-style vectors from the French analyser, as Haystack components."""

from __future__ import annotations

from dataclasses import replace

from haystack import Document, component, default_from_dict, default_to_dict
from haystack.dataclasses import SparseEmbedding

from ingest.analyzer import document_weights, query_weights

AVERAGE_TERMS = 50.0  # mean analysed length of a bundled chunk with its context


def _sparse(weights: dict[int, float]) -> SparseEmbedding:
    indices = sorted(weights)
    return SparseEmbedding(indices=indices, values=[weights[i] for i in indices])


@component
class FrenchSparseDocumentEmbedder:
    """Term weights of each chunk (its context line included, so headings match too)."""

    def __init__(self, average_terms: float = AVERAGE_TERMS):
        if average_terms <= 0:
            raise ValueError("average_terms must be positive")
        self.average_terms = average_terms

    def to_dict(self) -> dict:
        return default_to_dict(self, average_terms=self.average_terms)

    @classmethod
    def from_dict(cls, data: dict) -> "FrenchSparseDocumentEmbedder":
        return default_from_dict(cls, data)

    @component.output_types(documents=list[Document])
    def run(self, documents: list[Document]):
        out = []
        for doc in documents:
            text = f"{doc.meta.get('context', '')}\n{doc.content or ''}"
            out.append(replace(doc, sparse_embedding=_sparse(document_weights(text, self.average_terms))))
        return {"documents": out}


@component
class FrenchSparseTextEmbedder:
    """Query terms, each weighted 1: Qdrant's IDF modifier ranks them."""

    @component.output_types(sparse_embedding=SparseEmbedding)
    def run(self, text: str):
        return {"sparse_embedding": _sparse(query_weights(text))}
