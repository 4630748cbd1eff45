"""Keeping the Qdrant index in step with the library, atomically and incrementally.

Search always reads the alias (`settings.collection`). A sync builds a new collection:
points of unchanged instruments are copied with their vectors (no re-embedding), changed
and new instruments are chunked and embedded, then the alias is switched in one
operation. A crash or an unreadable file at any point leaves the previous collection
serving; the half-built one is removed on the next run.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

from haystack import Pipeline
from haystack.components.writers import DocumentWriter
from haystack.document_stores.types import DuplicatePolicy
from qdrant_client import QdrantClient
from qdrant_client.http import models as rest

from ingest.chunker import ArticleChunker
from ingest.markdown import ParseError
from ingest.sources import Source, read
from ingest.sparse import FrenchSparseDocumentEmbedder
from ingest.store import create_collection, document_store
from musoya.settings import Settings

BATCH = 64
Progress = Callable[[int, int, str], None]  # done, total, what is being done


@dataclass
class SyncReport:
    instruments: int = 0
    articles: int = 0
    chunks: int = 0
    embedded: int = 0
    copied: int = 0
    removed: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)  # file name -> French message
    seconds: float = 0.0
    changed: bool = False


class Index:
    def __init__(self, settings: Settings, client: QdrantClient):
        self.settings = settings
        self.client = client
        self.alias = settings.collection

    def serving(self) -> str | None:
        """The collection the alias points at, if an index was ever built."""
        for alias in self.client.get_aliases().aliases:
            if alias.alias_name == self.alias:
                return alias.collection_name
        return None

    def store(self, collection: str | None = None):
        return document_store(self.client, collection or self.alias, self.settings)

    def indexed(self) -> dict[str, str]:
        """instrument id → content hash, as found in the serving collection."""
        if self.serving() is None:
            return {}
        hashes, offset = {}, None
        while True:
            points, offset = self.client.scroll(
                self.alias, limit=1024, offset=offset,
                with_payload=["meta.instrument", "meta.content_hash"], with_vectors=False,
            )
            for point in points:
                meta = point.payload.get("meta", {})
                hashes[meta.get("instrument")] = meta.get("content_hash")
            if offset is None:
                return hashes

    def sync(
        self,
        sources: list[Source],
        make_embedder: Callable[[], object],
        tokenizer_path: str | None = None,
        progress: Progress | None = None,
    ) -> SyncReport:
        started = time.perf_counter()
        report = SyncReport()
        progress = progress or (lambda done, total, what: None)
        self._drop_orphans()
        old = self.indexed()

        chunker = make_chunker(self.settings, tokenizer_path)
        parsed, keep = [], []
        for i, source in enumerate(sources):
            progress(i, len(sources), f"Lecture de {source.path.name}")
            try:
                digest = f"{source.content_hash()}:{chunker.fingerprint(source.instrument_id, source.origin)}"
                if old.get(source.instrument_id) == digest:
                    keep.append(source.instrument_id)
                    continue
                instrument, articles = read(source)
            except (ParseError, OSError) as exc:
                report.errors[source.path.name] = _message(exc)
                if source.instrument_id in old:
                    keep.append(source.instrument_id)  # its previous version keeps serving
                continue
            parsed.append((instrument, articles, digest))
        wanted = {s.instrument_id for s in sources}
        report.removed = sorted(set(old) - wanted)
        report.instruments = len(keep) + len(parsed)
        if not parsed and not report.removed:
            report.seconds = time.perf_counter() - started
            return report

        collection = f"{self.alias}-{datetime.now(timezone.utc):%Y%m%d%H%M%S%f}"
        target = self.store(collection)
        create_collection(target, self.settings)
        try:
            report.copied = self._copy(keep, collection)
            documents = []
            for instrument, articles, digest in parsed:
                documents += chunker.run(instrument, articles, digest)["documents"]
                report.articles += len(articles)
            documents.sort(key=embedding_length)
            pipeline = _indexing_pipeline(make_embedder(), target)
            for start in range(0, len(documents), BATCH):
                progress(start, len(documents), "Calcul des vecteurs")
                pipeline.run({"dense": {"documents": documents[start : start + BATCH]}})
            progress(len(documents), len(documents), "Mise en service du nouvel index")
            report.embedded = len(documents)
            self._switch(collection)
        except BaseException:
            self.client.delete_collection(collection)
            raise
        report.chunks = report.embedded + report.copied
        report.changed = True
        report.seconds = time.perf_counter() - started
        return report

    def import_from(self, source: QdrantClient) -> int:
        """Serve a copy of another Qdrant's index (e.g. embedded → server), vectors included.

        The new collection gets this side's layout (shards, replicas… from the settings),
        then the alias switches as after a sync; nothing is embedded again, and the next
        sync finds every instrument's hash unchanged.
        """
        origin = Index(self.settings, source)
        if origin.serving() is None:
            raise ValueError("no index to copy")
        self._drop_orphans()
        collection = f"{self.alias}-{datetime.now(timezone.utc):%Y%m%d%H%M%S%f}"
        create_collection(self.store(collection), self.settings)
        try:
            copied = self._copy(None, collection, source)
            self._switch(collection)
        except BaseException:
            self.client.delete_collection(collection)
            raise
        return copied

    def _copy(self, instruments: list[str] | None, collection: str, source: QdrantClient | None = None) -> int:
        """Points of `instruments` (all when None) from the alias on `source` into `collection`."""
        if instruments is not None and not instruments:
            return 0
        source = source or self.client
        selector = None
        if instruments is not None:
            selector = rest.Filter(must=[rest.FieldCondition(key="meta.instrument", match=rest.MatchAny(any=instruments))])
        copied, offset = 0, None
        while True:
            points, offset = source.scroll(
                self.alias, scroll_filter=selector, limit=512, offset=offset, with_payload=True, with_vectors=True
            )
            if points:
                self.client.upsert(collection, [
                    rest.PointStruct(id=p.id, vector=p.vector, payload=p.payload) for p in points
                ], wait=True)
                copied += len(points)
            if offset is None:
                return copied

    def _switch(self, collection: str) -> None:
        previous = self.serving()
        operations = []
        if previous:
            operations.append(rest.DeleteAliasOperation(delete_alias=rest.DeleteAlias(alias_name=self.alias)))
        operations.append(rest.CreateAliasOperation(
            create_alias=rest.CreateAlias(collection_name=collection, alias_name=self.alias)
        ))
        self.client.update_collection_aliases(change_aliases_operations=operations)
        if previous:
            self.client.delete_collection(previous)

    def _drop_orphans(self) -> None:
        """Remove collections left by an interrupted sync (never the serving one)."""
        serving = self.serving()
        for item in self.client.get_collections().collections:
            if item.name.startswith(f"{self.alias}-") and item.name != serving:
                self.client.delete_collection(item.name)


def make_chunker(settings: Settings, tokenizer_path: str | None = None) -> ArticleChunker:
    """The chunker a sync uses (the bench rebuilds exactly the same texts with it)."""
    themes = str(settings.themes) if settings.themes.is_file() else None
    return ArticleChunker(settings.max_chunk_tokens, tokenizer_path, themes)


def embedding_length(document) -> int:
    """Sort key: similar lengths batched together, since padding is most of the encoder's work."""
    return len(document.content or "") + len(document.meta["context"])


def _indexing_pipeline(document_embedder, store) -> Pipeline:
    pipeline = Pipeline()
    pipeline.add_component("dense", document_embedder)
    pipeline.add_component("sparse", FrenchSparseDocumentEmbedder())
    pipeline.add_component("writer", DocumentWriter(store, policy=DuplicatePolicy.OVERWRITE))
    pipeline.connect("dense.documents", "sparse.documents")
    pipeline.connect("sparse.documents", "writer.documents")
    return pipeline


def _message(exc: Exception) -> str:
    if isinstance(exc, ParseError):
        return str(exc)
    return f"fichier illisible ({exc.strerror or exc.__class__.__name__})"


def sync_library(settings: Settings, client: QdrantClient, progress: Progress | None = None, announce=print) -> SyncReport:
    """Bring the index in step with the bundled corpus and the texts users added."""
    from ingest.model import tokenizer_file
    from ingest.sources import library

    def make_embedder():  # imported only when something must be embedded: it takes seconds
        from ingest.embedders import document_embedder

        return document_embedder(settings, announce)

    return Index(settings, client).sync(library(settings), make_embedder, tokenizer_file(settings, announce), progress)
