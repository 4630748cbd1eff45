"""How the store's costs grow with the number of chunks, on synthetic data.

    python -m evals.scale [--sizes 10000,100000] [--engines embedded,edge] [--budget 540]

Chunks are random unit vectors (384 dimensions, like the model's), sparse vectors drawn
from a Zipf-like vocabulary (a few very common stems, a long tail) and payloads shaped
like the index's (verbatim text, citation fields, hierarchy). Each engine and size runs in
its own process, bounded in time, so its memory high-water mark is its own; a size that
does not finish writing in the budget is measured on what was written and its write time
extrapolated (and marked so).

- `embedded`: `QdrantClient(path=…)`, what Musoya uses by default: exact search in
  Python/numpy, every point pickled into SQLite and loaded back in RAM when opened.
- `edge`: `qdrant-edge-py`, Qdrant's own engine in-process (segments, HNSW), beta.

Writes evals/results/scale.json, scale.md (and scale.png when matplotlib is installed).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from musoya.settings import ROOT

RESULTS = ROOT / "evals" / "results"
DIM = 384
VOCABULARY = 60_000  # distinct analysed stems
TERMS_PER_CHUNK = 45
QUERIES = 40
LIMIT = 30  # top_k 10 × 3 chunks per article, as the searcher asks
BATCH = 512
WORDS = ("article", "peine", "emprisonnement", "mariage", "enfant", "femme", "droit", "tribunal", "amende",
         "auteur", "victime", "mineur", "liberté", "code", "disposition", "loi", "État", "partie", "protection")
# Building the HNSW graph blocks for minutes on 2 shared cores: above this size the edge
# shard is measured as written (its segments searched exactly, in Rust) and the build time
# is extrapolated from the largest size that was built.
HNSW_MAX_POINTS = 20_000
TOO_SLOW_MS = 500.0
TOO_BIG_MB = 4096.0


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def disk_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


class Synthetic:
    """Deterministic chunks: batch `i` is always the same, whatever the engine."""

    def __init__(self, seed: int = 11):
        self.seed = seed
        ranks = np.arange(1, VOCABULARY + 1, dtype=np.float64)
        weights = 1.0 / ranks**1.07
        self.term_p = weights / weights.sum()

    def _rng(self, salt: int) -> np.random.Generator:
        return np.random.default_rng([self.seed, salt])

    def dense(self, rng, n: int) -> np.ndarray:
        vectors = rng.standard_normal((n, DIM)).astype(np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    def sparse(self, rng, terms: int) -> tuple[list[int], list[float]]:
        indices = np.unique(rng.choice(VOCABULARY, size=terms, p=self.term_p))
        values = rng.uniform(0.4, 2.6, size=len(indices)).round(3)
        return indices.tolist(), values.tolist()

    def batch(self, start: int, n: int):
        rng = self._rng(start)
        dense = self.dense(rng, n)
        for i in range(n):
            number = start + i
            words = rng.choice(WORDS, size=int(rng.integers(60, 180)))
            text = " ".join(words)
            instrument = f"texte-{number // 400:05d}"
            article = str(number % 400 + 1)
            payload = {
                "id": f"{instrument}|{article}|0",
                "content": text,
                "meta": {
                    "instrument": instrument, "article": article, "key": article, "label": f"art. {article}",
                    "short_title": f"Texte {number // 400}", "jurisdiction": "Mali", "kind": "loi",
                    "hierarchy": ["LIVRE I", "TITRE II", "Chapitre 3"], "chunk": 0, "chunks": 1,
                    "context": f"Texte {number // 400}, art. {article}", "content_hash": "0" * 64,
                    "themes": ["violences"] if number % 7 == 0 else [],
                },
            }
            yield number, dense[i], self.sparse(rng, TERMS_PER_CHUNK), payload

    def queries(self, n: int = QUERIES):
        rng = self._rng(10**9)  # apart from every batch
        dense = self.dense(rng, n)
        return [(dense[i], self.sparse(rng, int(rng.integers(3, 9)))) for i in range(n)]


# --- engines: write a batch, query three ways ---


class Embedded:
    name = "embedded"

    def __init__(self, path: Path):
        from qdrant_client import QdrantClient
        from qdrant_client.http import models as rest

        self.rest = rest
        self.path = path
        self.client = QdrantClient(path=str(path))
        self.client.create_collection(
            "bench",
            vectors_config={"text-dense": rest.VectorParams(size=DIM, distance=rest.Distance.COSINE)},
            sparse_vectors_config={"text-sparse": rest.SparseVectorParams(modifier=rest.Modifier.IDF)},
        )

    def write(self, points) -> None:
        rest = self.rest
        self.client.upsert("bench", [
            rest.PointStruct(id=n, vector={"text-dense": d.tolist(),
                                           "text-sparse": rest.SparseVector(indices=s[0], values=s[1])},
                             payload=p)
            for n, d, s, p in points
        ], wait=True)

    def finish(self) -> None:
        pass

    def optimize(self) -> None:
        pass  # exact search: nothing to build

    def reopen(self) -> float:
        """Seconds to open the folder again: what an app start pays."""
        from qdrant_client import QdrantClient

        self.client.close()
        started = time.perf_counter()
        self.client = QdrantClient(path=str(self.path))
        self.client.count("bench")
        return time.perf_counter() - started

    def query(self, mode: str, dense, sparse) -> int:
        rest = self.rest
        vector = rest.SparseVector(indices=sparse[0], values=sparse[1])
        if mode == "dense":
            points = self.client.query_points("bench", query=dense.tolist(), using="text-dense", limit=LIMIT,
                                              with_payload=True).points
        elif mode == "sparse":
            points = self.client.query_points("bench", query=vector, using="text-sparse", limit=LIMIT,
                                              with_payload=True).points
        else:
            points = self.client.query_points(
                "bench", limit=LIMIT, with_payload=True, query=rest.FusionQuery(fusion=rest.Fusion.RRF),
                prefetch=[rest.Prefetch(query=dense.tolist(), using="text-dense", limit=LIMIT),
                          rest.Prefetch(query=vector, using="text-sparse", limit=LIMIT)]).points
        return len(points)

    def matrix(self) -> float:
        """Seconds to build Musoya's sparse matrix (ingest/store.py) for this collection."""
        from ingest.store import _SparseMatrix

        started = time.perf_counter()
        self._matrix = _SparseMatrix(self.client, "bench")
        return time.perf_counter() - started

    def query_matrix(self, dense, sparse) -> int:
        """The sparse query as `EmbeddedDocumentStore` runs it: matrix scores, then the points."""
        best = self._matrix.top(sparse[0], sparse[1], LIMIT)
        return len(self.client.retrieve("bench", [i for i, _ in best], with_payload=True))

    def close(self) -> None:
        self.client.close()


class Edge:
    name = "edge"

    def __init__(self, path: Path):
        import qdrant_edge as qe

        self.qe = qe
        self.path = path
        self.config = qe.EdgeConfig(
            vectors={"text-dense": qe.EdgeVectorParams(size=DIM, distance=qe.Distance.Cosine)},
            sparse_vectors={"text-sparse": qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf)},
        )
        self.shard = qe.EdgeShard.create(str(path), self.config)

    def write(self, points) -> None:
        qe = self.qe
        self.shard.update(qe.UpdateOperation.upsert_points([
            qe.Point(n, {"text-dense": d.tolist(), "text-sparse": qe.SparseVector(s[0], s[1])}, p)
            for n, d, s, p in points
        ]))

    def finish(self) -> None:
        self.shard.flush()

    def optimize(self) -> None:
        self.shard.optimize()  # builds the HNSW graph and the sparse index, blocking

    def reopen(self) -> float:
        self.shard.close()
        started = time.perf_counter()
        self.shard = self.qe.EdgeShard.load(str(self.path))
        self.shard.info()
        return time.perf_counter() - started

    def query(self, mode: str, dense, sparse) -> int:
        qe = self.qe
        near_dense = qe.Query.Nearest(dense.tolist(), using="text-dense")
        near_sparse = qe.Query.Nearest(qe.SparseVector(sparse[0], sparse[1]), using="text-sparse")
        if mode == "dense":
            request = qe.QueryRequest(limit=LIMIT, query=near_dense, with_payload=True)
        elif mode == "sparse":
            request = qe.QueryRequest(limit=LIMIT, query=near_sparse, with_payload=True)
        else:
            request = qe.QueryRequest(limit=LIMIT, with_payload=True, query=qe.Fusion.Rrf(k=2),
                                      prefetches=[qe.Prefetch(limit=LIMIT, query=near_dense),
                                                  qe.Prefetch(limit=LIMIT, query=near_sparse)])
        return len(self.shard.query(request))

    def indexed(self) -> int:
        return self.shard.info().indexed_vectors_count

    def close(self) -> None:
        self.shard.close()


ENGINES = {"embedded": Embedded, "edge": Edge}


def child(engine: str, size: int, budget: float, workdir: Path) -> dict:
    """One engine at one size: write (within the budget), reopen, query, measure."""
    data = Synthetic()
    baseline = rss_mb()
    path = workdir / "store"
    store = ENGINES[engine](path)
    started = time.perf_counter()
    written = 0
    while written < size and time.perf_counter() - started < budget:
        n = min(BATCH, size - written)
        store.write(list(data.batch(written, n)))
        written += n
    store.finish()
    write_s = time.perf_counter() - started
    optimize_s = None
    if size <= HNSW_MAX_POINTS:
        started = time.perf_counter()
        store.optimize()
        optimize_s = time.perf_counter() - started
    reopen_s = store.reopen()
    result = {
        "engine": engine, "size": size, "written": written, "complete": written == size,
        "write_s": write_s, "points_per_s": written / write_s,
        "write_s_extrapolated": write_s * size / written, "optimize_s": optimize_s,
        "reopen_s": reopen_s, "disk_mb": disk_mb(path),
        "rss_mb": rss_mb(), "rss_over_start_mb": rss_mb() - baseline,
    }
    if engine == "edge":
        result["indexed_vectors"] = store.indexed()
    queries = data.queries()
    for mode in ("dense", "sparse", "hybrid"):
        store.query(mode, *queries[0])  # warm
        times, deadline = [], time.perf_counter() + budget / 3
        for dense, sparse in queries:
            t = time.perf_counter()
            store.query(mode, dense, sparse)
            times.append((time.perf_counter() - t) * 1000)
            if time.perf_counter() > deadline and len(times) >= 5:
                break
        times.sort()
        result[f"{mode}_ms"] = {"p50": times[len(times) // 2], "p95": times[min(len(times) - 1, round(0.95 * (len(times) - 1)))],
                                "n": len(times)}
    if engine == "embedded":
        result["matrix_build_s"] = store.matrix()
        times = []
        for dense, sparse in queries:
            t = time.perf_counter()
            store.query_matrix(dense, sparse)
            times.append((time.perf_counter() - t) * 1000)
        times.sort()
        result["sparse_matrix_ms"] = {"p50": times[len(times) // 2],
                                      "p95": times[min(len(times) - 1, round(0.95 * (len(times) - 1)))], "n": len(times)}
    store.close()
    result["peak_rss_mb"] = peak_mb()
    return result


def run_one(engine: str, size: int, budget: float) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix=f"musoya-scale-{engine}-"))
    try:
        done = subprocess.run(
            [sys.executable, "-m", "evals.scale", "--child", engine, "--sizes", str(size), "--budget", str(budget),
             "--workdir", str(workdir)],
            cwd=ROOT, capture_output=True, text=True, timeout=budget * 2 + 120,
        )
        if done.returncode:
            return {"engine": engine, "size": size, "error": done.stderr.strip().splitlines()[-1][:300]}
        return json.loads(done.stdout.strip().splitlines()[-1])
    except subprocess.TimeoutExpired:
        return {"engine": engine, "size": size, "error": f"arrêté après {budget * 2 + 120:.0f} s"}
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def extrapolate(rows: list[dict], engine: str, size: int) -> dict | None:
    """From the largest complete run: write, disk and memory grow linearly; query time too for
    exact search (every point is scored), like log(n) for an HNSW graph."""
    measured = [r for r in rows if r["engine"] == engine and "error" not in r and r["complete"]]
    if not measured:
        return None
    base = max(measured, key=lambda r: r["size"])
    if base["size"] >= size:
        return None
    f = size / base["size"]
    qbase, q, optimize_s = base, f, None
    built = [r for r in measured if r.get("optimize_s")]
    if engine != "embedded" and built:  # a graph: queries grow like log(n), its build like n·log(n)
        qbase = max(built, key=lambda r: r["size"])
        q = math.log(size) / math.log(qbase["size"])
        optimize_s = qbase["optimize_s"] * size * math.log(size) / (qbase["size"] * math.log(qbase["size"]))
    return {
        "engine": engine, "size": size, "extrapolated_from": base["size"], "optimize_s": optimize_s,
        "write_s": base["write_s"] * f, "disk_mb": base["disk_mb"] * f,
        "rss_mb": base["rss_over_start_mb"] * f, "reopen_s": base["reopen_s"] * f,
        **{f"{m}_ms": {"p50": qbase[f"{m}_ms"]["p50"] * q, "p95": qbase[f"{m}_ms"]["p95"] * q}
           for m in ("dense", "sparse", "hybrid")},
    }


def fr(x: float, digits: int = 0) -> str:
    """French number: narrow no-break space between thousands, decimal comma."""
    return f"{x:,.{digits}f}".replace(",", "\u202f").replace(".", ",")


def markdown(figures: dict) -> str:
    rows = figures["runs"]
    lines = [
        "# Passage à l’échelle du stockage (`python -m evals.scale`)",
        "",
        f"{figures['date']} — données synthétiques (vecteurs unitaires 384 d, vecteurs creux "
        f"de {TERMS_PER_CHUNK} termes tirés d’un vocabulaire de Zipf de {fr(VOCABULARY)} racines, charges utiles "
        f"comme celles de l’index) ; {QUERIES} requêtes par mode, {LIMIT} résultats avec charge utile ; "
        f"{figures['cpus']} cœurs, machine partagée (les durées absolues sont bruitées, les écarts entre "
        "moteurs et tailles sont l’information).",
        "",
        *([figures["note"], ""] if figures.get("note") else []),
        "| moteur | morceaux | écriture (s) | points/s | graphe HNSW (s) | réouverture (s) | disque (Mo) | "
        "RAM ajoutée (Mo) | dense p50/p95 (ms) | creux p50/p95 (ms) | hybride p50/p95 (ms) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['engine']} | {fr(r['size'])} | échec : {r['error']} |||||||")
            continue
        est = "≈ " if "extrapolated_from" in r else ""
        engine = r["engine"] + (f" (extrapolé de {fr(r['extrapolated_from'])})" if est else "")
        size = fr(r["size"]) + ("" if r.get("complete", True) else
                                 f" (budget épuisé à {fr(r['written'])} : écriture extrapolée, le reste mesuré sur {fr(r['written'])})")
        write = r.get("write_s_extrapolated", r["write_s"])
        per_s = fr(r["points_per_s"]) if "points_per_s" in r else "—"
        ram = r.get("rss_over_start_mb", r.get("rss_mb", 0))
        hnsw = r.get("optimize_s")
        hnsw = "—" if r["engine"] == "embedded" else ("non construit" if hnsw is None else est + fr(hnsw, 1))
        cells = [engine, size, est + fr(write, 1), per_s, hnsw, est + fr(r["reopen_s"], 1), est + fr(r["disk_mb"]),
                 est + fr(ram)]
        cells += [f"{est}{fr(r[f'{m}_ms']['p50'], 1)} / {fr(r[f'{m}_ms']['p95'], 1)}" for m in ("dense", "sparse", "hybrid")]
        lines.append("| " + " | ".join(cells) + " |")
    matrix = [r for r in rows if "sparse_matrix_ms" in r]
    if matrix:
        lines += ["", "Requête lexicale de l’index intégré telle que Musoya la fait désormais "
                  "(`EmbeddedDocumentStore` : scores par produit de matrice creuse, puis lecture des points) :", ""]
        lines += [f"- {fr(r['size'])} morceaux : p50 {fr(r['sparse_matrix_ms']['p50'], 1)} ms, p95 "
                  f"{fr(r['sparse_matrix_ms']['p95'], 1)} ms (matrice construite en {fr(r['matrix_build_s'], 1)} s, "
                  f"une fois par index), contre {fr(r['sparse_ms']['p50'], 0)} / {fr(r['sparse_ms']['p95'], 0)} ms "
                  "par la boucle de Qdrant intégré." for r in matrix]
    lines += ["", figures.get("conclusion", ""), ""]
    return "\n".join(lines)


def plot(figures: dict, path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for engine in ENGINES:
        rows = sorted((r for r in figures["runs"] if r["engine"] == engine and "error" not in r),
                      key=lambda r: r.get("written", r["size"]))
        measured = [r for r in rows if "extrapolated_from" not in r]
        guessed = measured[-1:] + [r for r in rows if "extrapolated_from" in r]
        for part, style, label in ((measured, "-o", engine), (guessed, "--", f"{engine} (extrapolé)")):
            if len(part) < (1 if part is measured else 2):
                continue
            sizes = [r.get("written", r["size"]) for r in part]  # a partial run: what was written
            line = axes[0].plot(sizes, [r["hybrid_ms"]["p95"] for r in part], style, label=label)
            axes[1].plot(sizes, [r.get("rss_over_start_mb", r.get("rss_mb")) for r in part], style,
                         color=line[0].get_color(), label=label)
    for ax, title, limit in ((axes[0], "Requête hybride, p95 (ms)", TOO_SLOW_MS), (axes[1], "Mémoire ajoutée (Mo)", TOO_BIG_MB)):
        ax.axhline(limit, color="grey", linestyle="--", linewidth=1)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("morceaux")
        ax.set_title(title)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return True


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--engines", default="embedded,edge")
    parser.add_argument("--budget", type=float, default=480.0, help="secondes d’écriture au plus par essai")
    parser.add_argument("--extrapolate", default="1000000", help="tailles estimées sans les lancer")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--conclusion", type=Path, help="texte (Markdown) de la décision, ajouté aux résultats")
    parser.add_argument("--render", action="store_true", help="Réécrit scale.md (et le graphique) depuis scale.json.")
    parser.add_argument("--child", choices=tuple(ENGINES), help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.render:
        figures = json.loads((args.out / "scale.json").read_text(encoding="utf-8"))
        if args.conclusion and args.conclusion.is_file():
            figures["conclusion"] = args.conclusion.read_text(encoding="utf-8")
        write(figures, args.out)
        return
    sizes = [int(s) for s in args.sizes.split(",") if s]
    if args.child:
        print(json.dumps(child(args.child, sizes[0], args.budget, args.workdir)))
        return
    rows = []
    for size in sizes:
        for engine in args.engines.split(","):
            print(f"{engine} × {size:,}…", file=sys.stderr, flush=True)
            rows.append(run_one(engine, size, args.budget))
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    for size in [int(s) for s in args.extrapolate.split(",") if s]:
        for engine in args.engines.split(","):
            if not any(r["engine"] == engine and r["size"] == size and "error" not in r for r in rows):
                guess = extrapolate(rows, engine, size)
                if guess:
                    rows.append(guess)
    figures = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "cpus": os.cpu_count(), "runs": rows}
    if args.conclusion and args.conclusion.is_file():
        figures["conclusion"] = args.conclusion.read_text(encoding="utf-8")
    write(figures, args.out)
    print(markdown(figures))


def write(figures: dict, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "scale.json").write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (out / "scale.md").write_text(markdown(figures), encoding="utf-8")
    plot(figures, out / "scale.png")


if __name__ == "__main__":
    main()
