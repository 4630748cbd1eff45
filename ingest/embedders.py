"""The dense embedders, configured once for the e5 prefixes and offline loading."""

from __future__ import annotations

from haystack_integrations.components.embedders.sentence_transformers import (
    SentenceTransformersDocumentEmbedder,
    SentenceTransformersTextEmbedder,
)

from ingest.model import PREFIX_PASSAGE, PREFIX_QUERY, model_path, question_model_path
from musoya.settings import Settings


def document_embedder(settings: Settings, announce=print) -> SentenceTransformersDocumentEmbedder:
    return SentenceTransformersDocumentEmbedder(
        model=model_path(settings, announce),
        prefix=PREFIX_PASSAGE,
        meta_fields_to_embed=["context"],
        embedding_separator="\n",
        batch_size=settings.embed_batch_size,
        normalize_embeddings=True,
        progress_bar=False,
        local_files_only=True,
    )


def text_embedder(settings: Settings, announce=print) -> SentenceTransformersTextEmbedder:
    return SentenceTransformersTextEmbedder(
        model=question_model_path(settings, announce),
        prefix=PREFIX_QUERY,
        normalize_embeddings=True,
        progress_bar=False,
        local_files_only=True,
    )
