"""Retrieval quality on the team's gold questions, every configuration in one run.

    musoya eval   (or: python -m evals.retrieval)

Needs the full index (`musoya ingest`). Writes evals/results/retrieval.json and .md.
Questions whose `primary` is null have no answer in the corpus: they are counted apart
and do not enter the retrieval metrics.
"""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from datetime import datetime, timezone
from functools import partial
from pathlib import Path

import yaml

from ingest.embedders import text_embedder
from ingest.index import Index
from musoya.settings import ROOT, Settings
from search.searcher import Searcher

GOLD = ROOT / "evals" / "gold.yaml"
RESULTS = ROOT / "evals" / "results"
K = 10


def load_gold(path: Path = GOLD) -> list[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def score(ranked: list[str], primary: str, relevant: list[str]) -> dict:
    rank = ranked.index(primary) + 1 if primary in ranked else None
    found = len(set(ranked[:K]) & set(relevant))
    return {
        "primary@1": float(rank == 1),
        "primary@5": float(rank is not None and rank <= 5),
        "primary@10": float(rank is not None and rank <= 10),
        "recall@10": found / len(relevant) if relevant else 0.0,
        "mrr@10": 1.0 / rank if rank and rank <= K else 0.0,
    }


def evaluate(searcher: Searcher, gold: list[dict], mode: str) -> dict:
    per_question, took = [], []
    for item in gold:
        if not item["primary"]:
            continue
        result = searcher.search(item["question"], top_k=K, mode=mode)
        took.append(result.took_ms)
        ranked = [f"{h.instrument}:{h.key}" for h in result.hits]
        per_question.append({**score(ranked, item["primary"], item["relevant"]), "style": item["style"],
                             "question": item["question"], "top": ranked[:3]})
    metrics = list(score([], "", [""]))
    by_style = defaultdict(list)
    for row in per_question:
        by_style[row["style"]].append(row)
    return {
        "overall": {m: statistics.fmean(r[m] for r in per_question) for m in metrics},
        "by_style": {s: {m: statistics.fmean(r[m] for r in rows) for m in metrics} | {"n": len(rows)}
                     for s, rows in sorted(by_style.items())},
        "latency_p50_ms": statistics.median(took),
        "misses": [r for r in per_question if not r["primary@5"]],
    }


def run(settings: Settings, client) -> dict:
    gold = load_gold()
    index = Index(settings, client)
    embedder = partial(text_embedder, settings, lambda _: None)
    plain = Searcher(index, embedder, K)
    expanded = Searcher(index, embedder, K, glossary=str(settings.glossary))
    configurations = {
        "sparse (BM25 français)": (plain, "sparse"),
        "dense (e5-small)": (plain, "dense"),
        "hybride (RRF)": (plain, "hybrid"),
        "hybride + glossaire": (expanded, "hybrid"),
    }
    report = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "questions": len(gold),
        "answerable": sum(1 for g in gold if g["primary"]),
        "configurations": {name: evaluate(searcher, gold, mode) for name, (searcher, mode) in configurations.items()},
    }
    write(report)
    return report


def write(report: dict) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "retrieval.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    metrics = ["primary@1", "primary@5", "primary@10", "recall@10", "mrr@10"]
    lines = [f"# Qualité de la recherche ({report['answerable']} questions avec réponse, {report['date']})", "",
             "| configuration | " + " | ".join(metrics) + " | p50 (ms) |",
             "|---|" + "---:|" * (len(metrics) + 1)]
    for name, result in report["configurations"].items():
        cells = " | ".join(f"{result['overall'][m]:.2f}" for m in metrics)
        lines.append(f"| {name} | {cells} | {result['latency_p50_ms']:.0f} |")
    best = list(report["configurations"])[-1]
    lines += ["", f"## Par style ({best}, primary@5)", "", "| style | n | primary@5 | mrr@10 |", "|---|---:|---:|---:|"]
    for style, values in report["configurations"][best]["by_style"].items():
        lines.append(f"| {style} | {values['n']} | {values['primary@5']:.2f} | {values['mrr@10']:.2f} |")
    lines += ["", f"## Questions manquées ({best}, article principal hors des 5 premiers)", ""]
    lines += [f"- « {m['question']} » → {', '.join(m['top'])}" for m in report["configurations"][best]["misses"]]
    (RESULTS / "retrieval.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    from ingest.store import open_client
    from musoya.settings import get_settings

    settings = get_settings()
    client = open_client(settings)
    try:
        run(settings, client)
    finally:
        client.close()
    print((RESULTS / "retrieval.md").read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
