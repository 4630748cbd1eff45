"""The store follows the settings: embedded by default, a server's layout when a URL is set.

No Qdrant server runs here, so the server path is checked at the client's API: the calls
Musoya makes (and their arguments) are recorded on top of an embedded client that answers
them, which also runs the whole sync and its alias switch as it would run on a server.
"""

from __future__ import annotations

import pytest
from pydantic import SecretStr
from qdrant_client.http import models as rest

import ingest.store as store_module
from conftest import FakeDocumentEmbedder, bundle
from ingest.index import Index
from ingest.sources import library
from ingest.store import KEYWORD_FIELDS, collection_params, create_collection, document_store, open_client

pytestmark = pytest.mark.filterwarnings("ignore:Payload indexes have no effect")

SERVER = {"qdrant_url": "https://qdrant.exemple.ml:6333", "qdrant_shards": 3, "qdrant_replication_factor": 2,
          "qdrant_write_consistency": 2, "qdrant_on_disk_payload": True, "qdrant_int8": True}


class ServerLike:
    """An embedded client seen through a recorder: what a server would be asked, and how."""

    def __init__(self, client):
        self._client = client
        self.created: list[dict] = []
        self.payload_indexes: list[tuple[str, str, object]] = []

    def create_collection(self, collection_name, **kwargs):
        self.created.append({"collection_name": collection_name, **kwargs})
        return self._client.create_collection(collection_name, **kwargs)

    def create_payload_index(self, collection_name, field_name, field_schema=None, **kwargs):
        self.payload_indexes.append((collection_name, field_name, field_schema))
        return self._client.create_payload_index(collection_name, field_name, field_schema, **kwargs)

    def __getattr__(self, name):
        return getattr(self._client, name)


@pytest.fixture
def server_settings(settings):
    return settings.model_copy(update=SERVER)


@pytest.fixture
def recorded(settings):
    client = open_client(settings)  # the embedded store under tmp_path answers for the server
    yield ServerLike(client)
    client.close()


def test_embedded_collections_get_no_server_layout(settings):
    configured = settings.model_copy(update={**SERVER, "qdrant_url": None})
    assert collection_params(configured) == {}


def test_server_layout_comes_from_the_settings(server_settings):
    params = collection_params(server_settings)
    assert params["shard_number"] == 3
    assert params["replication_factor"] == 2
    assert params["write_consistency_factor"] == 2
    assert params["on_disk_payload"] is True
    scalar = params["quantization_config"].scalar
    assert scalar.type == rest.ScalarType.INT8 and scalar.always_ram is True


def test_server_defaults_leave_sharding_to_qdrant(settings):
    params = collection_params(settings.model_copy(update={"qdrant_url": "http://localhost:6333"}))
    assert params == {"on_disk_payload": False}


def test_new_collection_is_created_with_the_layout_and_payload_indexes(server_settings, recorded):
    store = document_store(recorded, "musoya-essai", server_settings)
    create_collection(store, server_settings)
    (call,) = recorded.created
    assert call["collection_name"] == "musoya-essai"
    assert call["shard_number"] == 3 and call["replication_factor"] == 2
    assert call["write_consistency_factor"] == 2 and call["on_disk_payload"] is True
    assert call["quantization_config"].scalar.type == rest.ScalarType.INT8
    dense = call["vectors_config"]["text-dense"]
    assert dense.size == 384 and dense.distance == rest.Distance.COSINE
    assert call["sparse_vectors_config"]["text-sparse"].modifier == rest.Modifier.IDF
    assert [(c, f) for c, f, _ in recorded.payload_indexes] == [("musoya-essai", f) for f in KEYWORD_FIELDS]
    assert {schema for _, _, schema in recorded.payload_indexes} == {rest.PayloadSchemaType.KEYWORD}


def test_embedded_collection_has_no_payload_indexes_requested(settings, recorded):
    store = document_store(recorded, "musoya-essai", settings)
    create_collection(store, settings)
    assert recorded.payload_indexes == []
    call = recorded.created[0]
    assert call["shard_number"] is None and call["replication_factor"] is None
    assert call["quantization_config"] is None


def test_a_sync_against_a_server_switches_its_alias(server_settings, recorded):
    bundle(server_settings, "oit-c100-egalite-remuneration-1951")
    index = Index(server_settings, recorded)
    first = index.sync(library(server_settings), FakeDocumentEmbedder)
    serving = index.serving()
    assert first.changed and serving.startswith("musoya-")
    assert recorded.count("musoya").count == first.chunks
    (server_settings.corpus_dir / "oit-c100-egalite-remuneration-1951.md").write_text(
        (server_settings.corpus_dir / "oit-c100-egalite-remuneration-1951.md").read_text(encoding="utf-8")
        + "\n## Article 15\n\nTexte ajouté.\n", encoding="utf-8")
    second = index.sync(library(server_settings), FakeDocumentEmbedder)
    assert second.chunks == first.chunks + 1
    assert index.serving() != serving
    assert [c.name for c in recorded.get_collections().collections] == [index.serving()]
    assert len(recorded.created) == 2 and all(c["replication_factor"] == 2 for c in recorded.created)


def test_server_client_gets_url_key_and_timeout(server_settings, monkeypatch):
    seen = {}
    monkeypatch.setattr(store_module, "QdrantClient", lambda **kwargs: seen.update(kwargs) or object())
    configured = server_settings.model_copy(update={"qdrant_api_key": SecretStr("clé-secrète"), "qdrant_timeout": 12})
    open_client(configured)
    assert seen == {"url": SERVER["qdrant_url"], "api_key": "clé-secrète", "timeout": 12}
    assert not configured.store_path.exists()  # nothing embedded is opened beside the server


def test_settings_read_the_layout_from_the_environment(monkeypatch, tmp_path):
    from musoya.settings import Settings

    monkeypatch.setenv("MUSOYA_QDRANT_REPLICATION_FACTOR", "2")
    monkeypatch.setenv("MUSOYA_QDRANT_INT8", "true")
    configured = Settings(data_dir=tmp_path, _env_file=None)
    assert configured.qdrant_replication_factor == 2 and configured.qdrant_int8 is True
    assert configured.qdrant_shards is None


def test_an_embedded_index_is_copied_to_a_server_without_re_embedding(settings, server_settings, recorded, tmp_path):
    from conftest import make_settings

    (tmp_path / "portable").mkdir()
    laptop = make_settings(tmp_path / "portable")
    bundle(laptop, "oit-c100-egalite-remuneration-1951")
    embedded = open_client(laptop)
    try:
        built = Index(laptop, embedded).sync(library(laptop), FakeDocumentEmbedder)
        copied = Index(server_settings, recorded).import_from(embedded)
        point = embedded.scroll("musoya", limit=1, with_vectors=True)[0][0]
    finally:
        embedded.close()
    assert copied == built.chunks == recorded.count("musoya").count
    (call,) = recorded.created
    assert call["replication_factor"] == 2 and call["shard_number"] == 3
    (same,) = recorded.retrieve("musoya", [point.id], with_vectors=True, with_payload=True)
    assert same.payload == point.payload and same.vector["text-dense"] == pytest.approx(point.vector["text-dense"])
    bundle(server_settings, "oit-c100-egalite-remuneration-1951")
    embedder = FakeDocumentEmbedder()
    again = Index(server_settings, recorded).sync(library(server_settings), lambda: embedder)
    assert not again.changed and embedder.embedded == 0


def test_copying_nothing_is_refused(settings, recorded):
    with pytest.raises(ValueError):
        Index(settings, recorded).import_from(recorded)


def test_embedded_sparse_queries_rank_like_qdrant(settings):
    from haystack.dataclasses import SparseEmbedding
    from haystack_integrations.document_stores.qdrant import QdrantDocumentStore

    from ingest.sparse import FrenchSparseTextEmbedder
    from ingest.store import EmbeddedDocumentStore

    bundle(settings, "un-cedef-1979", "oit-c100-egalite-remuneration-1951")
    client = open_client(settings)
    try:
        Index(settings, client).sync(library(settings), FakeDocumentEmbedder)
        fast = document_store(client, settings.collection, settings)
        assert isinstance(fast, EmbeddedDocumentStore)
        plain = QdrantDocumentStore(path=str(settings.store_path), index=settings.collection, embedding_dim=384,
                                    use_sparse_embeddings=True, sparse_idf=True)
        plain._client = client
        analyse = FrenchSparseTextEmbedder()
        for question in ("égalité de rémunération", "discrimination à l’égard des femmes dans le mariage",
                         "mesures temporaires spéciales", "zzz inconnu"):
            query = analyse.run(text=question)["sparse_embedding"]
            expected = plain._query_by_sparse(query, top_k=15)
            got = fast._query_by_sparse(query, top_k=15)
            assert [d.id for d in got] == [d.id for d in expected]
            assert [d.score for d in got] == pytest.approx([d.score for d in expected], rel=1e-5)
            assert [d.content for d in got] == [d.content for d in expected]
        # a filter keeps Qdrant's own path, and its answer
        only = {"field": "meta.instrument", "operator": "==", "value": "un-cedef-1979"}
        query = analyse.run(text="égalité de rémunération")["sparse_embedding"]
        assert [d.id for d in fast._query_by_sparse(query, filters=only, top_k=5)] == \
            [d.id for d in plain._query_by_sparse(query, filters=only, top_k=5)]
        assert fast._query_by_sparse(SparseEmbedding(indices=[], values=[]), top_k=5) == []
    finally:
        client.close()


def test_embedded_sparse_matrix_follows_a_new_index(settings):
    from ingest.sparse import FrenchSparseTextEmbedder

    bundle(settings, "oit-c100-egalite-remuneration-1951")
    client = open_client(settings)
    try:
        index = Index(settings, client)
        index.sync(library(settings), FakeDocumentEmbedder)
        store = document_store(client, settings.collection, settings)
        query = FrenchSparseTextEmbedder().run(text="protection de la maternité")["sparse_embedding"]
        assert store._query_by_sparse(query, top_k=5) == []
        bundle(settings, "oit-c183-protection-maternite-2000")
        index.sync(library(settings), FakeDocumentEmbedder)
        found = store._query_by_sparse(query, top_k=5)
        assert found and found[0].meta["instrument"] == "oit-c183-protection-maternite-2000"
    finally:
        client.close()
