"""Retrieval quality on the team's gold questions, every configuration in one run.

    musoya eval                 (or: python -m evals.retrieval)
    musoya eval --jeu holdout   the questions kept apart until tuning is over
    musoya eval --jeu unseen    questions written after tuning, never used for it
    musoya eval --jeu fresh     written late, by someone who read only the corpus and its list of sources
    musoya eval --jeu blind     written last the same way, measured once on the final configuration
    musoya eval --jeu sealed    written after blind had been used, the same way, measured once at the end
    musoya eval --jeu final     written the same way after sealed had been used, measured once at the end
    musoya eval --jeu reserve   (also spare, latest) written the same way, later still

Needs the full index (`musoya ingest`). Writes evals/results/retrieval[-SET].json and .md.
Questions whose `primary` is null have no answer in the corpus: they do not enter the
retrieval metrics; they measure "nothing found" (the list of missing texts, and the
judge). On the gold set the judge is refitted (its figures are from leave-one-out);
elsewhere it is only applied.
"""

from __future__ import annotations

import json
import statistics
import time
from collections import defaultdict
from contextlib import contextmanager
from datetime import datetime, timezone
from functools import partial
from pathlib import Path

import yaml
from haystack import Document
from haystack.components.evaluators import DocumentMRREvaluator, DocumentNDCGEvaluator, DocumentRecallEvaluator

from ingest.embedders import text_embedder
from ingest.index import Index
from musoya.settings import ROOT, Settings
from search import answerability, query_cache
from search.missing import MissingTexts, load_missing
from search.searcher import Searcher
from search.spelling import build_vocabulary

GOLD = ROOT / "evals" / "gold.yaml"
HOLDOUT = ROOT / "evals" / "holdout.yaml"
UNSEEN = ROOT / "evals" / "unseen.yaml"
FRESH = ROOT / "evals" / "fresh.yaml"
BLIND = ROOT / "evals" / "blind.yaml"
SEALED = ROOT / "evals" / "sealed.yaml"
FINAL = ROOT / "evals" / "final.yaml"
RESERVE = ROOT / "evals" / "reserve.yaml"
SPARE = ROOT / "evals" / "spare.yaml"
LATEST = ROOT / "evals" / "latest.yaml"
SETS = {"gold": GOLD, "holdout": HOLDOUT, "unseen": UNSEEN, "fresh": FRESH, "blind": BLIND, "sealed": SEALED,
        "final": FINAL, "reserve": RESERVE, "spare": SPARE, "latest": LATEST}
TRAINING = ROOT / "corpus" / "training.yaml"
COVERAGE = ROOT / "corpus" / "coverage.yaml"
RESULTS = ROOT / "evals" / "results"
K = 10
SERVED = "configuration servie"
HIDDEN = "servie, sans les exemples de l’article attendu"
METRICS = ["primary@1", "primary@5", "primary@10", "recall@10", "mrr@10", "ndcg@10"]


def load_gold(path: Path = GOLD) -> list[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def trained_articles() -> set[str]:
    if not TRAINING.is_file():
        return set()
    return {pair["article"] for pair in yaml.safe_load(TRAINING.read_text(encoding="utf-8")) or []}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else 0.0


def _docs(ids: list[str]) -> list[Document]:
    return [Document(content=i) for i in ids]


def score(rows: list[dict]) -> dict:
    """Primary@k from ranks; recall, MRR and nDCG from Haystack's evaluators (relevant sets)."""
    truth = [_docs(r["relevant"]) for r in rows]
    found = [_docs(r["ranked"][:K]) for r in rows]
    recall = DocumentRecallEvaluator(mode="multi_hit").run(ground_truth_documents=truth, retrieved_documents=found)
    mrr = DocumentMRREvaluator().run(ground_truth_documents=truth, retrieved_documents=found)
    ndcg = DocumentNDCGEvaluator().run(ground_truth_documents=truth, retrieved_documents=found)
    for row, r, m, n in zip(rows, recall["individual_scores"], mrr["individual_scores"], ndcg["individual_scores"]):
        rank = row["ranked"].index(row["primary"]) + 1 if row["primary"] in row["ranked"][:K] else None
        row.update({"primary@1": float(rank == 1), "primary@5": float(bool(rank) and rank <= 5),
                    "primary@10": float(bool(rank)), "recall@10": r, "mrr@10": m, "ndcg@10": n})
    return {m: statistics.fmean(r[m] for r in rows) for m in METRICS} | {"n": len(rows)}


def run_configuration(searcher: Searcher, gold: list[dict], mode: str,
                      missing: MissingTexts | None = None) -> tuple[list[dict], list[dict]]:
    """Answerable rows (with ranks) and every question's answerability signals."""
    rows, signals = [], []
    for item in gold:
        result = searcher.search(item["question"], top_k=K, mode=mode)
        if mode == "hybrid":
            signals.append({"answerable": bool(item["primary"]), "style": item["style"],
                            "question": item["question"],
                            "missing_text": bool(missing and missing.match(result.query)),
                            **answerability.features(result.query, result)})
        if item["primary"]:
            rows.append({"question": item["question"], "style": item["style"], "theme": item.get("theme", ""),
                         "primary": item["primary"], "relevant": item["relevant"] or [item["primary"]],
                         "ranked": [f"{h.instrument}:{h.key}" for h in result.hits], "took_ms": result.took_ms})
    return rows, signals


def summarise(rows: list[dict], trained: set[str]) -> dict:
    overall = score(rows)
    grouped = {}
    for field, key in (("by_style", lambda r: r["style"]), ("by_theme", lambda r: r["theme"]),
                       ("by_training", lambda r: "article vu à l’entraînement" if r["primary"] in trained
                        else "article jamais vu à l’entraînement")):
        groups = defaultdict(list)
        for row in rows:
            groups[key(row)].append(row)
        grouped[field] = {name: {m: statistics.fmean(r[m] for r in g) for m in METRICS} | {"n": len(g)}
                          for name, g in sorted(groups.items())}
    took = [r["took_ms"] for r in rows]
    return {"overall": overall, **grouped, "latency_p50_ms": percentile(took, 0.5),
            "latency_p95_ms": percentile(took, 0.95),
            "misses": [{"question": r["question"], "style": r["style"], "primary": r["primary"], "top": r["ranked"][:3]}
                       for r in rows if not r["primary@5"]]}


def judge_report(signals: list[dict], refit: bool) -> dict:
    """Precision/recall of "nothing found" (the positive class: out-of-corpus questions),
    for the list of missing texts, the judge, and both together (what the card does)."""
    labels = [s["answerable"] for s in signals]
    if refit:  # leave-one-out: each question judged by a model that never saw it
        judged = []
        for i in range(len(signals)):
            weights = answerability.fit(signals[:i] + signals[i + 1 :], labels[:i] + labels[i + 1 :])
            judged.append(answerability.Judge(weights).answered(signals[i]))
        answerability.save(answerability.fit(signals, labels))
    else:
        judge = answerability.Judge()
        judged = [judge.answered(s) for s in signals]
    listed = [not s["missing_text"] for s in signals]
    aurocs = {f: round(auroc([s[f] for s, a in zip(signals, labels) if a], [s[f] for s, a in zip(signals, labels) if not a]), 2)
              for f in answerability.FEATURES}
    rules = {"textes manquants (hors-corpus.yaml)": listed, "juge (signaux de recherche)": judged,
             "les deux (fiche réponse)": [a and b for a, b in zip(listed, judged)]}
    report = {name: nothing_found_counts(labels, predicted) for name, predicted in rules.items()}
    combined = list(rules.values())[-1]
    return {**report["les deux (fiche réponse)"], "by_rule": report, "auroc_by_signal": aurocs,
            "wrongly_flagged": [s["question"] for s, p in zip(signals, combined) if s["answerable"] and not p],
            "not_flagged": [s["question"] for s, p in zip(signals, combined) if not s["answerable"] and p],
            "method": "juge : validation croisée leave-one-out, puis modèle réajusté sur tout le jeu" if refit
            else "juge : modèle ajusté sur le jeu de référence, appliqué tel quel"}


def nothing_found_counts(labels: list[bool], predicted: list[bool]) -> dict:
    none_true = sum(1 for a, p in zip(labels, predicted) if not a and not p)
    none_said = sum(1 for p in predicted if not p)
    none_total = sum(1 for a in labels if not a)
    return {"out_of_corpus": none_total, "said_nothing_found": none_said,
            "precision": none_true / none_said if none_said else 0.0,
            "recall": none_true / none_total if none_total else 0.0,
            "answerable_kept": sum(1 for a, p in zip(labels, predicted) if a and p) / max(1, sum(labels))}


def auroc(positives: list[float], negatives: list[float]) -> float:
    """Chance that an answerable question scores above an out-of-corpus one (0.5: no signal)."""
    if not positives or not negatives:
        return 0.5
    wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    return wins / (len(positives) * len(negatives))


def embedding_latency(settings: Settings, questions: list[str]) -> tuple[float, float]:
    embedder = text_embedder(settings, lambda _: None)
    embedder.warm_up()
    took = []
    for question in questions:
        started = time.perf_counter()
        embedder.run(text=question)
        took.append((time.perf_counter() - started) * 1000)
    return percentile(took, 0.5), percentile(took, 0.95)


def configurations(settings: Settings, index: Index) -> dict[str, tuple[Searcher, str]]:
    """Each improvement added in turn; the last one is what the app and `musoya ask` serve."""
    from ingest.themes import ThemeTagger, load_themes

    embedder = partial(text_embedder, settings.model_copy(update={"query_encoder": None}), lambda _: None)
    tuned = partial(text_embedder, settings, lambda _: None)  # the question encoder, when trained
    glossary = str(settings.glossary)
    encoder = settings.query_encoder and settings.query_encoder.is_file()
    vocabulary = build_vocabulary(settings)
    tagger = ThemeTagger(load_themes(settings.themes))
    plain = Searcher(index, embedder, K)
    step = {"glossary": glossary, "expand_dense": settings.expand_dense}
    chosen = {
        "sparse (BM25 français)": (plain, "sparse"),
        "dense (e5-small)": (plain, "dense"),
        "hybride (RRF 50/50)": (plain, "hybrid"),
        "+ glossaire": (Searcher(index, embedder, K, **step), "hybrid"),
    }
    if encoder:
        chosen["dense + encodeur des questions"] = (Searcher(index, tuned, K), "dense")
        embedder = tuned
        chosen["+ encodeur des questions"] = (Searcher(index, embedder, K, **step), "hybrid")
    step["vocabulary"] = vocabulary
    chosen["+ tolérance aux fautes"] = (Searcher(index, embedder, K, **step), "hybrid")
    chosen["+ thèmes"] = (Searcher(index, embedder, K, **step, tagger=tagger), "hybrid")
    examples, reranker = (str(p) if p and p.is_file() else None for p in (settings.examples, settings.reranker))
    if examples and reranker:
        step.update(examples=examples, reranker=reranker)
        chosen["+ reclassement appris (questions d’exemple)"] = (Searcher(index, embedder, K, **step, tagger=tagger),
                                                                "hybrid")
    crossrefs = str(settings.crossrefs) if settings.crossrefs.is_file() else None
    if crossrefs:
        chosen["+ articles liés (correspondances)"] = (Searcher(index, embedder, K, **step, tagger=tagger,
                                                                crossrefs=crossrefs), "hybrid")
    chosen[SERVED] = (Searcher(index, tuned, K, glossary=glossary,
                               dense_weight=settings.dense_weight, expand_dense=settings.expand_dense,
                               vocabulary=vocabulary if settings.spelling_tolerance else None,
                               tagger=tagger if settings.theme_boost else None,
                               theme_boost=settings.theme_boost, examples=examples, reranker=reranker,
                               crossrefs=crossrefs if settings.linked_articles else None), "hybrid")
    return chosen


def _same(a: Searcher, b: Searcher) -> bool:
    def knobs(s: Searcher):
        return (s.text_embedder_factory, s.glossary, s.dense_weight, s.expand_dense, s.vocabulary is None,
                s.tagger is None, s.theme_boost, s.examples, s.reranker, s.crossrefs)

    return knobs(a) == knobs(b)


@contextmanager
def _examples_hidden(searcher: Searcher):
    """`hide(article)` leaves that article's example questions out of the served search until the end:
    the article is then searched as one without examples (a text the user adds, a new article)."""
    reranker = searcher._pipeline("hybrid").get_component("reranker")
    served = reranker.examples

    def hide(article: str) -> None:
        reranker.examples = served.without(article)

    try:
        yield hide
    finally:
        reranker.examples = served


def run(settings: Settings, client, set_name: str = "gold") -> dict:
    gold = load_gold(SETS[set_name])
    trained = trained_articles()
    missing = load_missing(settings.missing_texts) if settings.missing_texts.is_file() else None
    report = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "set": set_name, "questions": len(gold),
              "answerable": sum(1 for g in gold if g["primary"]), "configurations": {}}
    configs = configurations(settings, Index(settings, client))
    signals_of: dict[str, list[dict]] = {}
    for name, (searcher, mode) in configs.items():
        twin = next((other for other, (s, m) in configs.items() if other != name and other in report["configurations"]
                     and m == mode and _same(s, searcher)), None)
        if twin:  # the served configuration is one of the above: measured once
            report["configurations"][name] = report["configurations"][twin]
            signals_of[name] = signals_of[twin]
            continue
        query_cache.clear()  # each configuration pays for its own query embeddings
        rows, signals = run_configuration(searcher, gold, mode, missing)
        report["configurations"][name] = summarise(rows, trained)
        signals_of[name] = signals
    served_searcher = configs[SERVED][0]
    if served_searcher.reranker:
        query_cache.clear()
        with _examples_hidden(served_searcher) as hide:
            rows = []
            for item in (g for g in gold if g["primary"]):
                hide(item["primary"])
                rows += run_configuration(served_searcher, [item], "hybrid")[0]
        report["configurations"][HIDDEN] = summarise(rows, trained)
    served = signals_of[SERVED]
    report["nothing_found"] = judge_report(served, refit=set_name == "gold")
    p50, p95 = embedding_latency(settings, [g["question"] for g in gold])
    report["embedding_alone_ms"] = {"p50": p50, "p95": p95}
    write(report)
    return report


def write(report: dict) -> None:
    suffix = "" if report["set"] == "gold" else f"-{report['set']}"
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"retrieval{suffix}.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n",
                                                     encoding="utf-8")
    (RESULTS / f"retrieval{suffix}.md").write_text(markdown(report), encoding="utf-8")


def markdown(report: dict) -> str:
    configs = report["configurations"]
    served = configs[SERVED]
    lines = [f"# Qualité de la recherche — jeu « {report['set']} » ({report['answerable']} questions avec réponse, "
             f"{report['questions'] - report['answerable']} sans réponse dans le corpus ; {report['date']})", "",
             "| configuration | " + " | ".join(METRICS) + " | p50 (ms) | p95 (ms) |",
             "|---|" + "---:|" * (len(METRICS) + 2)]
    for name, result in configs.items():
        cells = " | ".join(f"{result['overall'][m]:.2f}" for m in METRICS)
        lines.append(f"| {name} | {cells} | {result['latency_p50_ms']:.0f} | {result['latency_p95_ms']:.0f} |")
    emb = report["embedding_alone_ms"]
    lines += ["", f"Calcul du vecteur de la question seul : p50 {emb['p50']:.0f} ms, p95 {emb['p95']:.0f} ms.",
              "recall, MRR et nDCG portent sur tous les articles pertinents ; primary@k sur l’article principal."]
    for field, title in (("by_style", "Par style"), ("by_theme", "Par thème"), ("by_training", "Article principal et questions d’entraînement")):
        lines += ["", f"## {title} (configuration servie)", "", "| | n | primary@5 | recall@10 | mrr@10 |",
                  "|---|---:|---:|---:|---:|"]
        for name, values in served[field].items():
            lines.append(f"| {name} | {values['n']} | {values['primary@5']:.2f} | {values['recall@10']:.2f} | {values['mrr@10']:.2f} |")
    judge = report["nothing_found"]
    lines += ["", f"## « Rien dans le corpus » (configuration servie ; {judge['out_of_corpus']} questions sans réponse)",
              "", "| règle | signalées | précision | rappel | questions avec réponse gardées |", "|---|---:|---:|---:|---:|"]
    lines += [f"| {rule} | {r['said_nothing_found']} | {r['precision']:.2f} | {r['recall']:.2f} | {r['answerable_kept']:.2f} |"
              for rule, r in judge["by_rule"].items()]
    lines += ["", f"{judge['method'][:1].upper()}{judge['method'][1:]}. AUROC de chaque signal du juge seul : "
              + ", ".join(f"{k} {v:.2f}" for k, v in judge["auroc_by_signal"].items()) + "."]
    lines += [f"- signalée à tort : « {q} »" for q in judge["wrongly_flagged"]]
    lines += [f"- hors corpus non signalée : « {q} »" for q in judge["not_flagged"]]
    lines += ["", "## Questions manquées (configuration servie, article principal hors des 5 premiers)", ""]
    lines += [f"- [{m['style']}] « {m['question']} » — attendu {m['primary']} → {', '.join(m['top'])}"
              for m in served["misses"]]
    return "\n".join(lines) + "\n"


def main() -> None:
    import sys

    from ingest.store import open_client
    from musoya.settings import get_settings

    settings = get_settings()
    client = open_client(settings)
    try:
        report = run(settings, client, sys.argv[1] if len(sys.argv) > 1 else "gold")
    finally:
        client.close()
    print(markdown(report))


if __name__ == "__main__":
    main()
