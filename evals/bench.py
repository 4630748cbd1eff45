"""What Musoya costs on the machine it runs on, each figure beside its floor from the same run.

    python -m evals.bench [--instruments a,b] [--no-cold] [--out evals/results]
    musoya bench [--instruments a,b]

- Ingest: the model's raw `encode` on exactly the chunks the index embeds (same texts,
  prefixes, batch size) against the whole ingest (parse, chunk, embed, write) into a fresh
  store. Both run in their own process so peak memory (`ru_maxrss`) is theirs alone.
- Query: embedding the question alone against the full search, per mode, and the bare
  Qdrant query with vectors already computed.
- Cold start: a fresh `musoya search` process to its first answer, and a fresh Streamlit
  server to its health check and first page.

Absolute times depend on the machine and on whatever else it runs; the ratios, measured
side by side in one run, are what the results record.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

import yaml

from musoya.settings import ROOT, Settings

RESULTS = ROOT / "evals" / "results"
GOLD = ROOT / "evals" / "gold.yaml"
INDEX_BATCH = 64  # documents per pipeline run in ingest/index.py
SORT_SAMPLE = 128


class BenchError(ValueError):
    """A bench that cannot run as asked; the message is for the user."""


def fr(x: float, digits: int = 0) -> str:
    """French number: narrow no-break space between thousands, decimal comma."""
    return f"{x:,.{digits}f}".replace(",", "\u202f").replace(".", ",")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _spread(values: list[float]) -> dict:
    return {"p50": round(percentile(values, 0.5), 1), "p95": round(percentile(values, 0.95), 1), "n": len(values)}


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def disk_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20 if path.exists() else 0.0


def quiet(_message: str) -> None:
    pass


def component_timer():
    """A Haystack tracer that adds up the seconds spent in each pipeline component."""
    import contextlib
    from collections import defaultdict

    from haystack import tracing

    class _Span(tracing.Span):
        def set_tag(self, key, value):
            pass

    class ComponentTimer(tracing.Tracer):
        def __init__(self):
            self.seconds: dict[str, float] = defaultdict(float)
            self.calls: dict[str, int] = defaultdict(int)

        @contextlib.contextmanager
        def trace(self, operation_name, tags=None, parent_span=None):
            name = (tags or {}).get("haystack.component.name")
            started = time.perf_counter()
            try:
                yield _Span()
            finally:
                if operation_name == "haystack.component.run" and name:
                    self.seconds[name] += time.perf_counter() - started
                    self.calls[name] += 1

        def current_span(self):
            return None

    timer = ComponentTimer()
    tracing.enable_tracing(timer)
    return timer


# --- the two children: each runs alone so that its memory high-water mark is its own ---


def bundled_chunks(settings: Settings, model_tokenizer: bool = True):
    """The chunks an ingest of this library embeds, in the order the index embeds them."""
    from ingest.index import embedding_length, make_chunker
    from ingest.model import tokenizer_file
    from ingest.sources import library, read

    chunker = make_chunker(settings, tokenizer_file(settings, quiet) if model_tokenizer else None)
    documents = []
    for source in library(settings):
        instrument, articles = read(source)
        documents += chunker.run(instrument, articles, source.content_hash())["documents"]
    documents.sort(key=embedding_length)
    return documents


def child_encode(settings: Settings) -> dict:
    """Floor for the ingest: `SentenceTransformer.encode` on the index's own texts."""
    import torch
    from sentence_transformers import SentenceTransformer

    from ingest.embedders import document_embedder
    from ingest.model import model_path

    started = time.perf_counter()
    documents = bundled_chunks(settings)
    chunk_s = time.perf_counter() - started
    embedder = document_embedder(settings, quiet)  # its settings, so the texts are the index's
    texts = [
        embedder.prefix + embedder.embedding_separator.join(
            [*(str(d.meta[k]) for k in embedder.meta_fields_to_embed if d.meta.get(k) is not None), d.content or ""]
        )
        for d in documents
    ]
    started = time.perf_counter()
    model = SentenceTransformer(model_path(settings, quiet), device="cpu", local_files_only=True)
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    model.encode(texts, batch_size=settings.embed_batch_size, normalize_embeddings=True, show_progress_bar=False)
    encode_s = time.perf_counter() - started

    # Is sorting by length (ingest/index.py) worth it? The same sample, fed in the index's
    # pipeline batches, once in length order and once shuffled.
    sample = texts[:: max(1, len(texts) // SORT_SAMPLE)][:SORT_SAMPLE]
    shuffled = sample[:]
    random.Random(7).shuffle(shuffled)
    order = {}
    for name, items in (("sorted", sample), ("shuffled", shuffled)):
        started = time.perf_counter()
        for start in range(0, len(items), INDEX_BATCH):
            model.encode(items[start : start + INDEX_BATCH], batch_size=settings.embed_batch_size, show_progress_bar=False)
        order[name] = time.perf_counter() - started
    return {
        "chunks": len(texts),
        "chunk_s": chunk_s,
        "model_load_s": load_s,
        "encode_s": encode_s,
        "batch_size": settings.embed_batch_size,
        "torch_threads": torch.get_num_threads(),
        "sort_sample": len(sample),
        "sort_sorted_s": order["sorted"],
        "sort_shuffled_s": order["shuffled"],
        "peak_rss_mb": peak_rss_mb(),
    }


def child_ingest(settings: Settings) -> dict:
    import ingest.embedders  # noqa: F401 - imported before the clock starts, like the floor's imports
    from ingest.index import sync_library
    from ingest.store import open_client

    timer = component_timer()
    client = open_client(settings)
    started = time.perf_counter()
    report = sync_library(settings, client, announce=quiet)
    seconds = time.perf_counter() - started
    client.close()
    return {
        "components_s": dict(timer.seconds),
        "chunks": report.chunks,
        "embedded": report.embedded,
        "instruments": report.instruments,
        "errors": report.errors,
        "ingest_s": seconds,
        "peak_rss_mb": peak_rss_mb(),
        "index_mb": disk_mb(settings.store_path),
    }


def run_child(kind: str, env: dict, profile: Path | None = None) -> dict:
    command = [sys.executable]
    if profile:
        command += ["-m", "cProfile", "-o", str(profile)]
    command += ["-m", "evals.bench", "--child", kind]
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"child {kind} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- query side, in this process, on the index the ingest child built ---


def gold_questions(limit: int | None = None) -> list[str]:
    """The gold questions, or `limit` of them spread evenly over the file (styles are grouped)."""
    questions = [item["question"] for item in yaml.safe_load(GOLD.read_text(encoding="utf-8"))]
    if limit and limit < len(questions):
        step = len(questions) / limit
        questions = [questions[int(i * step)] for i in range(limit)]
    return questions


def measure_queries(settings: Settings, questions: list[str], client=None, searcher=None, embedder=None) -> dict:
    """Query floor and costs. `client`, `searcher` and `embedder` default to the real ones
    (the answer card is measured only then); tests pass fast fakes."""
    from qdrant_client.http import models as rest

    from ingest.sparse import FrenchSparseTextEmbedder
    from ingest.store import open_client

    owned = client is None
    client = client or open_client(settings)
    answerer = None
    if searcher is None:
        from search.searcher import open_searcher

        searcher = open_searcher(settings, client, announce=quiet)
        answerer = _answerer(settings, client)
    if embedder is None:
        from ingest.embedders import text_embedder

        embedder = text_embedder(settings, quiet)
    forget = _cache_clearer()
    timer = component_timer()
    if hasattr(embedder, "warm_up"):
        embedder.warm_up()
    sparse = FrenchSparseTextEmbedder()
    for mode in ("hybrid", "dense", "sparse"):
        searcher.search(questions[0], mode=mode)  # warm: model loaded, pipelines built
    if answerer:
        answerer.ask(questions[0])
    limit = settings.top_k * 3
    times: dict[str, list[float]] = {k: [] for k in (
        "embedding", "search_hybrid", "search_dense", "search_sparse",
        "qdrant_dense", "qdrant_sparse", "qdrant_hybrid", "answer", "sparse_qdrant_loop", "sparse_matrix")}
    plain = fast = None
    if not settings.qdrant_url:  # the embedded store's sparse path against Qdrant's own loop
        from haystack.dataclasses import SparseEmbedding
        from haystack_integrations.document_stores.qdrant import QdrantDocumentStore

        from ingest.store import document_store

        fast = document_store(client, settings.collection, settings)
        plain = QdrantDocumentStore(path=str(settings.store_path), index=settings.collection, embedding_dim=384,
                                    use_sparse_embeddings=True, sparse_idf=True)
        plain._client = client  # noqa: SLF001 - the one embedded client

    def timed(name, call):
        forget()  # every measure embeds its question afresh, as a new question would be
        started = time.perf_counter()
        value = call()
        times[name].append((time.perf_counter() - started) * 1000)
        return value

    timer.seconds.clear()
    timer.calls.clear()
    for question in questions:
        dense = timed("embedding", lambda: embedder.run(text=question)["embedding"])
        for mode in ("hybrid", "dense", "sparse"):
            timed(f"search_{mode}", lambda: searcher.search(question, mode=mode))
        terms = sparse.run(text=question)["sparse_embedding"]
        vector = rest.SparseVector(indices=terms.indices, values=terms.values)
        timed("qdrant_dense", lambda: client.query_points(settings.collection, query=dense, using="text-dense", limit=limit))
        timed("qdrant_sparse", lambda: client.query_points(settings.collection, query=vector, using="text-sparse", limit=limit))
        timed("qdrant_hybrid", lambda: client.query_points(
            settings.collection,
            prefetch=[rest.Prefetch(query=dense, using="text-dense", limit=limit),
                      rest.Prefetch(query=vector, using="text-sparse", limit=limit)],
            query=rest.FusionQuery(fusion=rest.Fusion.RRF), limit=limit))
        if answerer:
            timed("answer", lambda: answerer.ask(question))
        if plain is not None:
            embedding = SparseEmbedding(indices=terms.indices, values=terms.values)
            timed("sparse_qdrant_loop", lambda: plain._query_by_sparse(embedding, top_k=limit))
            timed("sparse_matrix", lambda: fast._query_by_sparse(embedding, top_k=limit))
    if owned:
        client.close()
    from haystack import tracing

    tracing.disable_tracing()
    out = {name: _spread(values) for name, values in times.items() if values}
    calls = max(1, timer.calls.get("grouper", 1))
    out["components_ms"] = {  # mean per pipeline run that used the component
        name: round(seconds * 1000 / max(1, timer.calls[name]), 1) for name, seconds in sorted(timer.seconds.items())}
    out["pipeline_runs"] = calls
    out["questions"] = len(questions)
    out["ratio_p50"] = out["search_hybrid"]["p50"] / out["embedding"]["p50"]
    return out


def _answerer(settings: Settings, client):
    """The answer card, when the search package has one."""
    try:
        from search.answer import open_answerer
    except ImportError:
        return None
    return open_answerer(settings, client, announce=quiet)


def _cache_clearer():
    try:
        from search.query_cache import clear
    except ImportError:
        return lambda: None
    return clear


def measure_store(settings: Settings, questions: list[str]) -> dict:
    """The store's own query costs on a whole library, without the model: chunks get random
    unit vectors (real chunking, real sparse vectors), queries the real analyser's terms."""
    from dataclasses import replace

    import numpy as np
    from haystack import Document, component
    from haystack.dataclasses import SparseEmbedding
    from haystack_integrations.document_stores.qdrant import QdrantDocumentStore
    from qdrant_client.http import models as rest

    from ingest.index import Index
    from ingest.model import tokenizer_file
    from ingest.sources import library
    from ingest.sparse import FrenchSparseTextEmbedder
    from ingest.store import _SparseMatrix, document_store, open_client

    rng = np.random.default_rng(5)

    def unit() -> list[float]:
        vector = rng.standard_normal(384)
        return (vector / np.linalg.norm(vector)).tolist()

    @component
    class RandomDocumentEmbedder:
        @component.output_types(documents=list[Document])
        def run(self, documents: list[Document]):
            return {"documents": [replace(document, embedding=unit()) for document in documents]}

    client = open_client(settings)
    started = time.perf_counter()
    report = Index(settings, client).sync(library(settings), RandomDocumentEmbedder, tokenizer_file(settings, quiet))
    without_model_s = time.perf_counter() - started
    collection = Index(settings, client).serving()
    started = time.perf_counter()
    _SparseMatrix(client, collection)
    matrix_s = time.perf_counter() - started
    fast = document_store(client, settings.collection, settings)
    plain = QdrantDocumentStore(path=str(settings.store_path), index=settings.collection, embedding_dim=384,
                                use_sparse_embeddings=True, sparse_idf=True)
    plain._client = client  # noqa: SLF001 - the one embedded client
    analyser = FrenchSparseTextEmbedder()
    limit = settings.top_k * 3
    times: dict[str, list[float]] = {k: [] for k in ("qdrant_dense", "qdrant_sparse", "qdrant_hybrid",
                                                     "sparse_qdrant_loop", "sparse_matrix")}
    same = 0
    for question in questions:
        terms = analyser.run(text=question)["sparse_embedding"]
        vector = rest.SparseVector(indices=terms.indices, values=terms.values)
        embedding = SparseEmbedding(indices=terms.indices, values=terms.values)
        dense = unit()
        calls = {
            "qdrant_dense": lambda: client.query_points(settings.collection, query=dense, using="text-dense",
                                                        limit=limit, with_payload=True),
            "qdrant_sparse": lambda: client.query_points(settings.collection, query=vector, using="text-sparse",
                                                         limit=limit, with_payload=True),
            "qdrant_hybrid": lambda: client.query_points(
                settings.collection, limit=limit, with_payload=True, query=rest.FusionQuery(fusion=rest.Fusion.RRF),
                prefetch=[rest.Prefetch(query=dense, using="text-dense", limit=limit),
                          rest.Prefetch(query=vector, using="text-sparse", limit=limit)]),
            "sparse_qdrant_loop": lambda: plain._query_by_sparse(embedding, top_k=limit),
            "sparse_matrix": lambda: fast._query_by_sparse(embedding, top_k=limit),
        }
        results = {}
        for name, call in calls.items():
            begun = time.perf_counter()
            results[name] = call()
            times[name].append((time.perf_counter() - begun) * 1000)
        ours = [(d.id, round(d.score, 4)) for d in results["sparse_matrix"]]
        theirs = [(d.id, round(d.score, 4)) for d in results["sparse_qdrant_loop"]]
        same += sorted(ours, key=lambda x: (-x[1], x[0])) == sorted(theirs, key=lambda x: (-x[1], x[0]))
    client.close()
    return {"chunks": report.chunks, "questions": len(questions), "sync_without_model_s": without_model_s,
            "matrix_build_s": matrix_s, "same_results": same, "index_mb": disk_mb(settings.store_path),
            **{name: _spread(values) for name, values in times.items()}}


# --- cold start ---


def cold_search(env: dict, question: str) -> float:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "musoya.cli", "search", question, "-k", "5"],
                          env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"musoya search failed:\n{done.stderr[-2000:]}")
    return time.perf_counter() - started


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cold_app(env: dict, timeout: float = 180.0) -> dict:
    """Seconds from `streamlit run` to a healthy server, and to its first page served."""
    port = free_port()
    started = time.perf_counter()
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        health = None
        while time.perf_counter() - started < timeout:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as reply:
                    if reply.read().strip() == b"ok":
                        health = time.perf_counter() - started
                        break
            except OSError:
                time.sleep(0.1)
        if health is None:
            raise RuntimeError("Streamlit did not answer its health check in time")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as reply:
            reply.read()
        page = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=20)
    return {"health_s": health, "page_s": page}


def cold_app_script(env: dict) -> float:
    """Seconds for a fresh process to run the app's script once to its end (the first screen)."""
    code = (
        "from streamlit.testing.v1 import AppTest\n"
        f"at = AppTest.from_file({str(ROOT / 'app.py')!r}, default_timeout=300)\n"
        "at.run()\n"
        "assert not at.exception, at.exception\n"
    )
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"app script failed:\n{done.stderr[-2000:]}")
    return time.perf_counter() - started


# --- the run ---


def library_settings(workdir: Path, instruments: list[str] | None) -> tuple[Settings, dict]:
    """A fresh data folder (sharing the converted model) and a library of the chosen texts."""
    base = Settings()
    data = workdir / "data"
    data.mkdir(parents=True)
    if base.models_dir.is_dir():
        (data / "models").symlink_to(base.models_dir.resolve(), target_is_directory=True)
    corpus = base.corpus_dir
    if instruments:
        corpus = workdir / "corpus"
        corpus.mkdir()
        for stem in instruments:
            path = base.corpus_dir / f"{stem}.md"
            if not path.is_file():
                raise BenchError(f"Texte inconnu : {stem} (aucun fichier {path.name} dans {base.corpus_dir}).")
            shutil.copy(path, corpus / path.name)
    env = {**os.environ, "MUSOYA_DATA_DIR": str(data), "MUSOYA_CORPUS_DIR": str(corpus), "PYTHONPATH": str(ROOT)}
    env.pop("MUSOYA_QDRANT_URL", None)
    env.pop("MUSOYA_QDRANT_PATH", None)
    return Settings(data_dir=data, corpus_dir=corpus, qdrant_url=None, qdrant_path=None), env


def run(instruments: list[str] | None = None, cold: bool = True, out: Path = RESULTS,
        questions: list[str] | None = None, profile: bool = False, say=print) -> dict:
    questions = questions or gold_questions()
    with tempfile.TemporaryDirectory(prefix="musoya-bench-") as tmp:
        settings, env = library_settings(Path(tmp), instruments)
        profiles = Path(tmp) if profile else None
        say("Mesure : encodage seul (plancher)…")
        floor = run_child("encode", env, profiles and profiles / "encode.prof")
        say(f"  {floor['chunks']} morceaux encodés en {floor['encode_s']:.1f} s. Indexation complète…")
        ingest = run_child("ingest", env, profiles and profiles / "ingest.prof")
        say(f"  indexés en {ingest['ingest_s']:.1f} s. Requêtes…")
        query = measure_queries(settings, questions)
        cold_figures = {}
        if cold:
            say("Démarrage à froid…")
            cold_figures = {
                "search_s": [cold_search(env, questions[0]) for _ in range(2)],
                "app_server": cold_app(env),
                "app_first_run_s": cold_app_script(env),
            }
        if profiles:
            kept = Settings().data_dir / "bench"
            kept.mkdir(parents=True, exist_ok=True)
            for name in ("encode.prof", "ingest.prof"):
                shutil.copy(profiles / name, kept / name)
            say(f"Profils : {kept}")
    figures = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "instruments": instruments or "corpus complet",
        "cpus": os.cpu_count(),
        "ingest": {
            **ingest,
            "encode_floor_s": floor["encode_s"],
            "ratio": ingest["ingest_s"] / floor["encode_s"],
            "chunks_per_s": ingest["embedded"] / ingest["ingest_s"],
            "floor_chunks_per_s": floor["chunks"] / floor["encode_s"],
            "floor": floor,
        },
        "query": query,
        "cold": cold_figures,
    }
    write(figures, out)
    return figures


def write(figures: dict, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench.json").write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (out / "bench.md").write_text(markdown(figures), encoding="utf-8")


def markdown(f: dict) -> str:
    i, q, c = f["ingest"], f["query"], f["cold"]
    fl = i["floor"]
    what = f["instruments"] if isinstance(f["instruments"], str) else ", ".join(f["instruments"])
    lines = [
        "# Coûts mesurés (`musoya bench`)",
        "",
        f"{f['date']} — {what} — {f['cpus']} cœurs, {fl['torch_threads']} fils torch. "
        "Chaque mesure est prise dans la même exécution que son plancher : les rapports comptent, "
        "les durées absolues dépendent de la charge de la machine.",
        "",
        *([f["note"], ""] if f.get("note") else []),
        "## Indexation",
        "",
        "| mesure | valeur |",
        "|---|---:|",
        f"| morceaux | {i['embedded']} |",
        f"| plancher : `encode` seul (mêmes textes, préfixes, lots de {fl['batch_size']}) | {fr(i['encode_floor_s'], 1)} s ({fr(i['floor_chunks_per_s'], 1)} morceaux/s) |",
        f"| indexation complète (lecture, découpage, vecteurs, écriture) | {fr(i['ingest_s'], 1)} s ({fr(i['chunks_per_s'], 1)} morceaux/s) |",
        f"| **rapport indexation / plancher** (objectif ≤ 1,15) | **{fr(i['ratio'], 2)}** |",
        f"| chargement du modèle (compris dans l’indexation) | {fr(fl['model_load_s'], 1)} s |",
        f"| lecture et découpage seuls | {fr(fl['chunk_s'], 1)} s |",
        f"| mémoire maximale (RSS) : indexation / plancher | {fr(i['peak_rss_mb'], 0)} Mo / {fr(fl['peak_rss_mb'], 0)} Mo |",
        f"| taille de l’index sur disque | {fr(i['index_mb'], 1)} Mo |",
        *(f"| dont composant « {name} » | {fr(sec, 1)} s |" for name, sec in i.get("components_s", {}).items()),
        f"| tri par longueur : {fl['sort_sample']} morceaux triés / mélangés | {fr(fl['sort_sorted_s'], 1)} s / {fr(fl['sort_shuffled_s'], 1)} s |",
        "",
        "## Requêtes (à chaud)",
        "",
        f"{q['questions']} questions de `evals/gold.yaml` ; durées en millisecondes.",
        "",
        "| mesure | p50 | p95 |",
        "|---|---:|---:|",
    ]
    labels = {
        "embedding": "plancher : vecteur de la question seul",
        "search_hybrid": "recherche complète, hybride (`Searcher.search`)",
        "search_dense": "recherche complète, dense seule",
        "search_sparse": "recherche complète, lexicale seule",
        "qdrant_dense": "Qdrant seul, requête dense (vecteur fourni)",
        "qdrant_sparse": "Qdrant seul, requête lexicale",
        "qdrant_hybrid": "Qdrant seul, hybride (deux préchargements + RRF)",
        "answer": "fiche réponse (`Answerer.ask`)",
        "sparse_qdrant_loop": "requête lexicale, boucle Python de Qdrant intégré (avant)",
        "sparse_matrix": "requête lexicale, matrice creuse de `EmbeddedDocumentStore` (après)",
    }
    for key, label in labels.items():
        if key in q:
            lines.append(f"| {label} | {fr(q[key]['p50'], 0)} | {fr(q[key]['p95'], 0)} |")
    if q.get("components_ms"):
        lines += ["", "Temps moyen par passage dans chaque composant des pipelines de recherche "
                  "(ms) : " + ", ".join(f"{k} {fr(v, 0)}" for k, v in q["components_ms"].items()) + "."]
    lines += ["", f"**Rapport p50 recherche hybride / vecteur de la question : {fr(q['ratio_p50'], 2)}** (objectif ≤ 2).", ""]
    if f.get("before"):
        b = f["before"]
        lines += ["## Avant / après (même bibliothèque, même nombre de questions)", "",
                  f"Avant : {b['date']} ; après : {f['date']}. {b.get('note', '')}", "",
                  "| mesure (ms) | avant p50 / p95 | après p50 / p95 |", "|---|---:|---:|"]
        for key, label in labels.items():
            if key in b["query"] and key in q:
                lines.append(f"| {label} | {fr(b['query'][key]['p50'])} / {fr(b['query'][key]['p95'])} "
                             f"| {fr(q[key]['p50'])} / {fr(q[key]['p95'])} |")
        lines += [f"| rapport p50 recherche hybride / vecteur de la question | {fr(b['query']['ratio_p50'], 2)} "
                  f"| {fr(q['ratio_p50'], 2)} |", ""]
    if f.get("store"):
        st = f["store"]
        lines += [f"## Le stockage seul, sur {st.get('library', 'le corpus complet')} (`python -m evals.bench --store-only`)", "",
                  f"{st['date']} — {fr(st['chunks'])} morceaux : découpage et vecteurs creux réels, vecteurs denses "
                  f"aléatoires (le modèle n’intervient pas) ; {st['questions']} questions. Indexation sans le modèle : "
                  f"{fr(st['sync_without_model_s'], 1)} s ; index : {fr(st['index_mb'], 1)} Mo ; matrice creuse construite "
                  f"en {fr(st['matrix_build_s'], 2)} s ; mêmes résultats (points et scores) que Qdrant pour "
                  f"{st['same_results']} questions sur {st['questions']}.", "",
                  "| mesure (ms) | p50 | p95 |", "|---|---:|---:|"]
        for key in ("qdrant_dense", "qdrant_sparse", "qdrant_hybrid", "sparse_qdrant_loop", "sparse_matrix"):
            lines.append(f"| {labels[key]} | {fr(st[key]['p50'], 1)} | {fr(st[key]['p95'], 1)} |")
        lines.append("")
    if c:
        lines += [
            "## Démarrage à froid",
            "",
            "| mesure | secondes |",
            "|---|---:|",
            f"| `musoya search …` : lancement → première réponse (2 essais) | {' / '.join(f'{fr(s, 1)}' for s in c['search_s'])} |",
            f"| `streamlit run app.py` : lancement → serveur prêt (`/_stcore/health`) | {fr(c['app_server']['health_s'], 1)} |",
            f"| … → page `/` servie | {fr(c['app_server']['page_s'], 1)} |",
            f"| premier passage complet du script de l’application (AppTest, nouveau processus) | {fr(c['app_first_run_s'], 1)} |",
            "",
            "Le serveur Streamlit répond et sert sa page avant d’avoir exécuté `app.py` : le script ne "
            "tourne qu’à la connexion d’un navigateur. Les deux premières lignes ne mesurent donc pas le "
            "chargement du modèle ni l’ouverture de l’index ; la dernière, si (sans le rendu dans le navigateur).",
            "",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instruments", help="Textes à indexer, séparés par des virgules (défaut : tout le corpus).")
    parser.add_argument("--no-cold", action="store_true", help="Sans les mesures de démarrage à froid.")
    parser.add_argument("--profile", action="store_true", help="Écrit les profils cProfile des deux enfants.")
    parser.add_argument("--questions", type=int, default=None, help="Nombre de questions (défaut : toutes).")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--render", action="store_true", help="Réécrit bench.md depuis bench.json, sans mesurer.")
    parser.add_argument("--store-only", action="store_true",
                        help="Mesure le stockage seul (sans le modèle) et l’ajoute à bench.json.")
    parser.add_argument("--child", choices=("encode", "ingest"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        settings = Settings()
        result = child_encode(settings) if args.child == "encode" else child_ingest(settings)
        print(json.dumps(result))
        return
    instruments = [s.strip() for s in args.instruments.split(",") if s.strip()] if args.instruments else None
    if args.store_only:
        with tempfile.TemporaryDirectory(prefix="musoya-bench-") as tmp:
            settings, _ = library_settings(Path(tmp), instruments)
            store = measure_store(settings, gold_questions(args.questions))
        store["date"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
        store["library"] = ", ".join(instruments) if instruments else "le corpus complet"
        figures = json.loads((args.out / "bench.json").read_text(encoding="utf-8"))
        figures["store"] = store
        write(figures, args.out)
        print(markdown(figures))
        return
    if args.render:
        write(json.loads((args.out / "bench.json").read_text(encoding="utf-8")), args.out)
        print((args.out / "bench.md").read_text(encoding="utf-8"))
        return
    try:
        figures = run(instruments, cold=not args.no_cold, out=args.out, questions=gold_questions(args.questions),
                      profile=args.profile, say=lambda m: print(m, file=sys.stderr))
    except BenchError as exc:
        raise SystemExit(str(exc)) from None
    print(markdown(figures))


if __name__ == "__main__":
    main()
