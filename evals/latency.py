"""Warm query latency over real citizens' questions, beside the query embedding alone.

    python -m evals.latency [--questions ../shared/datasets/bsard/questions_fr_test.csv] [-n 50]

Writes evals/results/latency.json and .md. The baseline (embedding the question, nothing
else) is measured in the same run, so the ratio holds whatever the machine.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import time
from datetime import datetime, timezone
from pathlib import Path

from ingest.embedders import text_embedder
from ingest.store import open_client
from musoya.settings import ROOT, get_settings
from search.searcher import open_searcher

DEFAULT_QUESTIONS = ROOT.parent / "shared" / "datasets" / "bsard" / "questions_fr_test.csv"
RESULTS = ROOT / "evals" / "results"


def load_questions(path: Path, n: int) -> list[str]:
    if path.suffix == ".csv":
        with path.open(encoding="utf-8") as handle:
            return [row["question"] for row in csv.DictReader(handle)][:n]
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()][:n]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS)
    parser.add_argument("-n", type=int, default=50)
    args = parser.parse_args()
    questions = load_questions(args.questions, args.n)

    settings = get_settings()
    client = open_client(settings)
    searcher = open_searcher(settings, client, announce=lambda _: None)
    embedder = text_embedder(settings, announce=lambda _: None)
    embedder.warm_up()
    searcher.search(questions[0])  # warm: model loaded, pipelines built

    embed_ms, search_ms = [], []
    for question in questions:
        started = time.perf_counter()
        embedder.run(text=question)
        embed_ms.append((time.perf_counter() - started) * 1000)
        search_ms.append(searcher.search(question).took_ms)
    client.close()

    figures = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "questions": len(questions),
        "source": str(args.questions.name),
        "embedding_ms": {"p50": percentile(embed_ms, 0.5), "p95": percentile(embed_ms, 0.95)},
        "search_ms": {"p50": percentile(search_ms, 0.5), "p95": percentile(search_ms, 0.95)},
    }
    figures["ratio_p50"] = figures["search_ms"]["p50"] / figures["embedding_ms"]["p50"]
    figures["mean_search_ms"] = statistics.fmean(search_ms)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latency.json").write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    table = (
        "| mesure | p50 (ms) | p95 (ms) |\n|---|---:|---:|\n"
        f"| plongement de la question seul | {figures['embedding_ms']['p50']:.0f} | {figures['embedding_ms']['p95']:.0f} |\n"
        f"| recherche complète (hybride) | {figures['search_ms']['p50']:.0f} | {figures['search_ms']['p95']:.0f} |\n\n"
        f"Rapport p50 recherche / plongement : {figures['ratio_p50']:.2f} ({len(questions)} questions, "
        f"{figures['source']}, {figures['date']}).\n"
    )
    (RESULTS / "latency.md").write_text("# Latence des requêtes (à chaud)\n\n" + table, encoding="utf-8")
    print(table)


if __name__ == "__main__":
    main()
