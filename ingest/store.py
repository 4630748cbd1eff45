"""Qdrant: one client per process (embedded by default, a server when a URL is set)."""

from __future__ import annotations

import threading

import numpy as np
from haystack_integrations.document_stores.qdrant import QdrantDocumentStore
from haystack_integrations.document_stores.qdrant.converters import SPARSE_VECTORS_NAME
from qdrant_client import QdrantClient
from qdrant_client.http import models as rest
from scipy.sparse import csc_matrix

from musoya.settings import Settings

EMBEDDING_DIM = 384
# Payload fields that searches filter on and the sync scrolls by: a server filters these
# through an index instead of reading every payload.
KEYWORD_FIELDS = ("meta.instrument", "meta.jurisdiction", "meta.kind", "meta.themes")


class StoreUnavailable(RuntimeError):
    """The index cannot be opened; the message says why and what to do, in French."""


def open_client(settings: Settings) -> QdrantClient:
    if settings.qdrant_url:
        key = settings.qdrant_api_key.get_secret_value() if settings.qdrant_api_key else None
        return QdrantClient(url=settings.qdrant_url, api_key=key, timeout=settings.qdrant_timeout)
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
    kind = QdrantDocumentStore if settings.qdrant_url else EmbeddedDocumentStore
    store = kind(
        path=None if settings.qdrant_url else str(settings.store_path),
        url=settings.qdrant_url,
        index=collection,
        embedding_dim=EMBEDDING_DIM,
        use_sparse_embeddings=True,
        sparse_idf=True,
        similarity="cosine",
        progress_bar=False,
        write_batch_size=256,
        **collection_params(settings),
    )
    store._client = client  # noqa: SLF001 - the store would otherwise open a second, locked client
    return store


class _SparseMatrix:
    """Every point's sparse vector of one collection, as a column-sliceable matrix."""

    def __init__(self, client: QdrantClient, collection: str):
        ids, rows, terms, values, offset = [], [], [], [], None
        while True:
            points, offset = client.scroll(collection, limit=2048, offset=offset, with_payload=False,
                                           with_vectors=[SPARSE_VECTORS_NAME])
            for point in points:
                vector = (point.vector or {}).get(SPARSE_VECTORS_NAME)
                if vector is None:
                    continue
                rows += [len(ids)] * len(vector.indices)
                terms += vector.indices
                values += vector.values
                ids.append(point.id)
            if offset is None:
                break
        self.ids = ids
        vocabulary, columns = np.unique(np.asarray(terms, dtype=np.int64), return_inverse=True)
        self.column = {int(term): i for i, term in enumerate(vocabulary)}
        self.matrix = csc_matrix((np.asarray(values, dtype=np.float64), (rows, columns.reshape(-1))),
                                 shape=(len(ids), len(vocabulary)))
        self.document_frequency = np.diff(self.matrix.indptr)

    def top(self, indices: list[int], values: list[float], limit: int) -> list[tuple[object, float]]:
        """The `limit` best points, scored like Qdrant: dot product with IDF-weighted query terms."""
        n = len(self.ids)
        pairs = [(self.column[i], v) for i, v in zip(indices, values) if i in self.column]
        if not pairs or limit < 1:
            return []
        columns = [c for c, _ in pairs]
        df = self.document_frequency[columns]
        weights = np.asarray([v for _, v in pairs]) * np.log((n - df + 0.5) / (df + 0.5) + 1)
        sub = self.matrix[:, columns].tocsr()
        matched = np.flatnonzero(np.diff(sub.indptr))  # points sharing at least one term
        scores = (sub[matched] @ weights).astype(np.float32)
        best = np.argsort(-scores, kind="stable")[:limit]
        return [(self.ids[matched[i]], float(scores[i])) for i in best]


class EmbeddedDocumentStore(QdrantDocumentStore):
    """Embedded Qdrant, with unfiltered sparse queries scored in one matrix product.

    Embedded Qdrant scores a sparse query in a Python loop over every point: about a third
    of a second per query on the bundled corpus, and linear in the number of chunks, the
    larger part of a search. The same scores from a sparse matrix built once per collection
    take well under a millisecond; the points themselves are then read from Qdrant. Filtered
    and grouped queries keep Qdrant's own path. Collections are never written to once they
    serve (a sync builds a new one), so the matrix is rebuilt only when the alias moves or
    the number of points changes.
    """

    _matrices: dict[tuple[int, str, int], _SparseMatrix] = {}
    _lock = threading.Lock()

    def _serving_collection(self) -> str:
        for alias in self._client.get_aliases().aliases:
            if alias.alias_name == self.index:
                return alias.collection_name
        return self.index

    def _matrix(self) -> tuple[str, _SparseMatrix]:
        collection = self._serving_collection()
        key = (id(self._client), collection, self._client.count(collection, exact=True).count)
        with self._lock:
            if key not in self._matrices:
                self._matrices.clear()  # one index serves at a time
                self._matrices[key] = _SparseMatrix(self._client, collection)
            return collection, self._matrices[key]

    def _query_by_sparse(self, query_sparse_embedding, filters=None, top_k=10, scale_score=False,
                         return_embedding=False, score_threshold=None, group_by=None, group_size=None):
        if filters or group_by:
            return super()._query_by_sparse(query_sparse_embedding, filters, top_k, scale_score, return_embedding,
                                            score_threshold, group_by, group_size)
        self._initialize_client()
        collection, matrix = self._matrix()
        best = matrix.top(query_sparse_embedding.indices, query_sparse_embedding.values, top_k)
        if score_threshold is not None:
            best = [(i, score) for i, score in best if score >= score_threshold]
        records = {r.id: r for r in self._client.retrieve(collection, [i for i, _ in best], with_payload=True,
                                                          with_vectors=return_embedding)}
        points = [rest.ScoredPoint(id=i, version=0, score=score, payload=records[i].payload,
                                   vector=records[i].vector if return_embedding else None)
                  for i, score in best if i in records]
        return self._process_query_point_results(points, scale_score=scale_score)


def collection_params(settings: Settings) -> dict:
    """Shards, replicas, write consistency, on-disk payload and int8 quantisation, for a server.

    Embedded Qdrant is one exact copy held in memory: it accepts none of this (its
    `create_collection` drops them), so nothing is passed there and no one is misled.
    """
    if not settings.qdrant_url:
        return {}
    params: dict = {"on_disk_payload": settings.qdrant_on_disk_payload}
    if settings.qdrant_shards:
        params["shard_number"] = settings.qdrant_shards
    if settings.qdrant_replication_factor:
        params["replication_factor"] = settings.qdrant_replication_factor
    if settings.qdrant_write_consistency:
        params["write_consistency_factor"] = settings.qdrant_write_consistency
    if settings.qdrant_int8:
        # int8 copies kept in RAM for the search, full vectors used to rescore the best ones.
        params["quantization_config"] = rest.ScalarQuantization(
            scalar=rest.ScalarQuantizationConfig(type=rest.ScalarType.INT8, quantile=0.99, always_ram=True)
        )
    return params


def create_collection(store: QdrantDocumentStore, settings: Settings | None = None) -> None:
    """A new, empty collection with the layout from the settings (and payload indexes on a server)."""
    store.recreate_collection(
        store.index,
        store.get_distance(store.similarity),
        store.embedding_dim,
        on_disk=store.on_disk,
        use_sparse_embeddings=True,
        sparse_idf=True,
    )
    if settings is not None and settings.qdrant_url:
        for field in KEYWORD_FIELDS:
            store._client.create_payload_index(  # noqa: SLF001 - the shared client, see document_store
                store.index, field_name=field, field_schema=rest.PayloadSchemaType.KEYWORD, wait=True
            )
