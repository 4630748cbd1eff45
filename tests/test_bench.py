"""The bench on a one-text library with the fake embedder: the figures it records are sane."""

from __future__ import annotations

import json

import pytest

from conftest import FakeDocumentEmbedder, FakeTextEmbedder, bundle
from evals import bench
from ingest.index import Index
from ingest.sources import library
from ingest.store import open_client
from search.searcher import Searcher

TEXT = "oit-c100-egalite-remuneration-1951"
QUESTIONS = ["égalité de rémunération entre hommes et femmes", "salaire égal pour un travail de valeur égale",
             "discrimination salariale", "qui applique la convention ?"]


@pytest.fixture
def indexed(settings):
    bundle(settings, TEXT)
    client = open_client(settings)
    report = Index(settings, client).sync(library(settings), FakeDocumentEmbedder)
    yield settings, client, report
    client.close()


def test_floor_embeds_exactly_the_chunks_the_index_holds(indexed):
    settings, client, report = indexed
    documents = bench.bundled_chunks(settings, model_tokenizer=False)
    assert len(documents) == report.embedded == client.count(settings.collection).count
    stored = {p.payload["id"] for p in client.scroll(settings.collection, limit=1000, with_payload=["id"])[0]}
    assert {d.id for d in documents} == stored
    lengths = [len(d.content) + len(d.meta["context"]) for d in documents]
    assert lengths == sorted(lengths)


def test_query_figures_sit_beside_their_floor(indexed, tmp_path):
    settings, client, _ = indexed
    searcher = Searcher(Index(settings, client), FakeTextEmbedder, settings.top_k)
    query = bench.measure_queries(settings, QUESTIONS, client=client, searcher=searcher, embedder=FakeTextEmbedder())
    for name in ("embedding", "search_hybrid", "search_dense", "search_sparse", "qdrant_hybrid"):
        assert query[name]["n"] == len(QUESTIONS)
        assert 0 < query[name]["p50"] <= query[name]["p95"]
    assert "answer" not in query  # only with the real searcher
    assert query["sparse_matrix"]["n"] == query["sparse_qdrant_loop"]["n"] == len(QUESTIONS)
    assert query["ratio_p50"] == pytest.approx(query["search_hybrid"]["p50"] / query["embedding"]["p50"])
    assert {"dense", "sparse", "grouper"} <= set(query["components_ms"])

    floor = {"chunks": 14, "chunk_s": 0.1, "model_load_s": 1.0, "encode_s": 10.0, "batch_size": 16,
             "torch_threads": 2, "sort_sample": 14, "sort_sorted_s": 1.0, "sort_shuffled_s": 1.2, "peak_rss_mb": 900.0}
    ingest = {"chunks": 14, "embedded": 14, "instruments": 1, "errors": {}, "ingest_s": 11.0,
              "peak_rss_mb": 1000.0, "index_mb": 0.2, "components_s": {"dense": 9.0, "writer": 0.5}}
    figures = {"date": "2026-01-01T00:00:00+00:00", "instruments": [TEXT], "cpus": 2,
               "ingest": {**ingest, "encode_floor_s": 10.0, "ratio": 1.1, "chunks_per_s": 14 / 11,
                          "floor_chunks_per_s": 1.4, "floor": floor},
               "query": query, "cold": {}}
    bench.write(figures, tmp_path)
    assert json.loads((tmp_path / "bench.json").read_text(encoding="utf-8"))["query"]["questions"] == len(QUESTIONS)
    text = (tmp_path / "bench.md").read_text(encoding="utf-8")
    assert "rapport indexation / plancher** (objectif ≤ 1,15) | **1,10**" in text
    assert "Rapport p50 recherche hybride / vecteur de la question" in text


def test_gold_questions_are_spread_over_the_file():
    every = bench.gold_questions()
    some = bench.gold_questions(5)
    assert len(some) == 5 and some[0] == every[0] and set(some) <= set(every)
    assert some[-1] != every[4]  # not just the first five


def test_percentile():
    assert bench.percentile([5.0, 1.0, 3.0], 0.5) == 3.0
    assert bench.percentile(list(range(101)), 0.95) == 95


def test_unknown_instrument_is_refused_in_french(tmp_path):
    with pytest.raises(bench.BenchError, match="Texte inconnu : nimporte-quoi"):
        bench.library_settings(tmp_path / "w", ["nimporte-quoi"])


def test_synthetic_chunks_are_reproducible_and_shaped_like_the_index():
    from evals.scale import DIM, Synthetic

    first, again = list(Synthetic().batch(100, 3)), list(Synthetic().batch(100, 3))
    assert [p[0] for p in first] == [100, 101, 102]
    for (n, dense, (indices, values), payload), (_, dense2, sparse2, _) in zip(first, again):
        assert dense.shape == (DIM,) and abs(float((dense**2).sum()) - 1) < 1e-5
        assert (dense == dense2).all() and (indices, values) == sparse2
        assert indices == sorted(set(indices)) and all(v > 0 for v in values)
        assert set(payload["meta"]) >= {"instrument", "article", "key", "short_title", "context"}


@pytest.mark.parametrize("engine", ["embedded", "edge"])
def test_scale_run_measures_a_small_store(engine, tmp_path):
    from evals import scale

    if engine == "edge":
        pytest.importorskip("qdrant_edge")
    result = scale.child(engine, 300, budget=60, workdir=tmp_path)
    assert result["complete"] and result["written"] == 300
    assert result["disk_mb"] > 0 and result["peak_rss_mb"] > 0
    for mode in ("dense", "sparse", "hybrid"):
        assert 0 < result[f"{mode}_ms"]["p50"] <= result[f"{mode}_ms"]["p95"]
    if engine == "embedded":
        assert result["matrix_build_s"] > 0 and result["sparse_matrix_ms"]["n"] > 0


def test_exact_search_is_extrapolated_linearly_and_hnsw_logarithmically():
    from evals.scale import extrapolate

    timing = {"p50": 10.0, "p95": 20.0}
    row = {"size": 10_000, "complete": True, "write_s": 100.0, "disk_mb": 50.0, "rss_over_start_mb": 400.0,
           "reopen_s": 5.0, "dense_ms": timing, "sparse_ms": timing, "hybrid_ms": timing}
    rows = [{**row, "engine": "embedded"}, {**row, "engine": "edge", "optimize_s": 60.0}]
    exact = extrapolate(rows, "embedded", 100_000)
    graph = extrapolate(rows, "edge", 100_000)
    assert exact["write_s"] == graph["write_s"] == 1000.0 and exact["hybrid_ms"]["p95"] == 200.0
    assert graph["hybrid_ms"]["p95"] == pytest.approx(25.0)
    assert graph["optimize_s"] == pytest.approx(60.0 * 10 * 1.25)
    assert extrapolate(rows, "embedded", 5_000) is None
