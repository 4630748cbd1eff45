""""Nothing in the corpus answers this": how often the card says so, right and wrong.

    python -m evals.nothing_found [--bsard questions_fr_test.csv]

Beyond the evaluation sets (few out-of-corpus questions each), two larger proxies:
the training questions, all answerable (every one flagged is the law hidden by mistake),
and, when given, BSARD's real citizens' questions on Belgian law, none of which the
bundled Malian and international texts answer. The judge is the one `musoya eval` fitted
on the gold set (run it first). Writes evals/results/nothing_found.json and .md.
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import yaml

from evals.retrieval import RESULTS, SETS, TRAINING, nothing_found_counts


def summary(answered: list[bool], labels: list[bool], questions: list[str]) -> dict:
    """What `judge_report` counts, from the cards themselves, plus the answerable ones flagged."""
    counts = nothing_found_counts(labels, answered)
    return {"questions": len(questions), "out_of_corpus": counts["out_of_corpus"],
            "flagged": counts["said_nothing_found"],
            "precision": counts["precision"] if counts["said_nothing_found"] else None,
            "recall": counts["recall"] if counts["out_of_corpus"] else None,
            "answerable_flagged": sum(1 for a, p in zip(labels, answered) if a and not p), "answerable": sum(labels),
            "examples_flagged_wrongly": [q for q, a, p in zip(questions, labels, answered) if a and not p][:10]}


def run(settings, client, bsard: Path | None = None) -> dict:
    from search.answer import open_answerer

    answerer = open_answerer(settings, client, lambda _: None)  # the card's own decision, nothing re-derived
    sets = {}
    for name, path in SETS.items():
        items = yaml.safe_load(path.read_text(encoding="utf-8"))
        sets[name] = ([i["question"] for i in items], [bool(i["primary"]) for i in items])
    training = yaml.safe_load(TRAINING.read_text(encoding="utf-8"))
    sets["entraînement (toutes avec réponse)"] = ([p["question"] for p in training], [True] * len(training))
    if bsard:
        with bsard.open(encoding="utf-8") as f:
            questions = [row["question"] for row in csv.DictReader(f)]
        sets["BSARD (droit belge, toutes hors corpus)"] = (questions, [False] * len(questions))
    report = {name: summary([answerer.ask(q).answered for q in qs], labels, qs) for name, (qs, labels) in sets.items()}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "nothing_found.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (RESULTS / "nothing_found.md").write_text(markdown(report), encoding="utf-8")
    return report


def _ratio(value) -> str:
    return "—" if value is None else f"{value:.2f}"


def markdown(report: dict) -> str:
    lines = ["# « Rien dans le corpus » : textes manquants et juge, ensemble (fiche réponse)", "",
             "Le juge est celui que `musoya eval` a ajusté sur le jeu gold ; sur gold, ses chiffres sont donc "
             "optimistes (voir `retrieval.md` pour la validation croisée).", "",
             "| jeu | questions | hors corpus | signalées | précision | rappel | avec réponse signalées à tort |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for name, r in report.items():
        lines.append(f"| {name} | {r['questions']} | {r['out_of_corpus']} | {r['flagged']} | {_ratio(r['precision'])} | "
                     f"{_ratio(r['recall'])} | {r['answerable_flagged']} / {r['answerable']} |")
    for name, r in report.items():
        if r["examples_flagged_wrongly"]:
            lines += ["", f"Signalées à tort ({name}) :", *[f"- « {q} »" for q in r["examples_flagged_wrongly"]]]
    return "\n".join(lines) + "\n"


def main() -> None:
    from ingest.store import open_client
    from musoya.settings import get_settings

    parser = argparse.ArgumentParser()
    parser.add_argument("--bsard", type=Path, help="questions_fr_test.csv de BSARD (facultatif)")
    args = parser.parse_args()
    settings = get_settings()
    client = open_client(settings)
    try:
        report = run(settings, client, args.bsard)
    finally:
        client.close()
    print(markdown(report))


if __name__ == "__main__":
    main()
