"""Qdrant: one client per process (embedded by default, a server when a URL is set)."""

from __future__ import annotations

from haystack_integrations.document_stores.qdrant import QdrantDocumentStore
from qdrant_client import QdrantClient

from musoya.settings import Settings

EMBEDDING_DIM = 384


class StoreUnavailable(RuntimeError):
    """The index cannot be opened; the message says why and what to do, in French."""


def open_client(settings: Settings) -> QdrantClient:
    if settings.qdrant_url:
        key = settings.qdrant_api_key.get_secret_value() if settings.qdrant_api_key else None
        return QdrantClient(url=settings.qdrant_url, api_key=key)
    settings.store_path.mkdir(parents=True, exist_ok=True)
    try:
        return QdrantClient(path=str(settings.store_path))
    except RuntimeError as exc:
        if "already accessed" in str(exc):
            raise StoreUnavailable(
                f"L’index ({settings.store_path}) est déjà ouvert par un autre programme Musoya, "
                "sans doute l’application. Fermez-la (Ctrl+C dans son terminal) puis relancez la "
                "commande, ou faites l’opération depuis l’application (page « Ajouter des textes »)."
            ) from exc
        raise


def document_store(client: QdrantClient, collection: str, settings: Settings) -> QdrantDocumentStore:
    """A Haystack store on `collection` that shares the process's single client.

    Embedded Qdrant locks its folder to one client, so every store (the serving alias,
    a collection being rebuilt) must reuse the same one.
    """
    store = QdrantDocumentStore(
        path=None if settings.qdrant_url else str(settings.store_path),
        url=settings.qdrant_url,
        index=collection,
        embedding_dim=EMBEDDING_DIM,
        use_sparse_embeddings=True,
        sparse_idf=True,
        similarity="cosine",
        progress_bar=False,
        write_batch_size=256,
    )
    store._client = client  # noqa: SLF001 - the store would otherwise open a second, locked client
    return store


def create_collection(store: QdrantDocumentStore) -> None:
    store.recreate_collection(
        store.index,
        store.get_distance(store.similarity),
        store.embedding_dim,
        on_disk=store.on_disk,
        use_sparse_embeddings=True,
        sparse_idf=True,
    )
