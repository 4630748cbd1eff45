"""Does anything in the corpus answer this question? A calibrated judge, not a raw score.

No single score separates answerable questions from out-of-corpus ones (the best cosine
is high for any question about marriage, whether the corpus answers it or not). The judge
combines several signals in a logistic model fitted on the team's gold questions
(`musoya eval` refits it and reports its precision and recall).
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np

from ingest.analyzer import PUNCT, analyze, fold

CALIBRATION = Path(__file__).with_name("answerability.json")
FEATURES = ("dense_top", "dense_margin", "sparse_top", "agreement", "coverage", "procedure", "example_top")
# How a question asks for a procedure, a cost or a deadline ("combien coûte", "comment
# obtenir", "quel délai"): what the civil, land, labour and registry texts missing from the
# corpus rule. The criminal procedure the corpus holds answers some such questions, and a
# question on penalties ("il risque combien ?") is answered by the Code pénal: this is one
# signal among others, weighed by the judge, never a rule on its own.
PROCEDURE = re.compile(
    r"\bcombien\b|\bcomment (?:on )?(?:faire|fait|obtenir|avoir|inscrire|corriger|annuler|partager|declarer|"
    r"demander|enregistrer|creer|toucher|payer|divorcer|proceder)\b|\bquel(?:le)?s? (?:demarches?|procedures?|"
    r"papiers|documents|pieces|formalites|conditions)\b|\bdelai\b|\bavant quelle date\b|"
    r"\ba qui (?:adresser|deposer|demander|s'adresser)\b|\bmontant\b|\btarif")
PENALTY = re.compile(r"\b(?:prison|peines?|amendes?|risquen?t?|condamne)")


def features(query: str, result) -> dict[str, float]:
    """Signals from one search: the retrievers' best scores, their agreement, word coverage."""
    dense = result.ranked.get("dense", [])
    sparse = result.ranked.get("sparse", [])
    agreement = 0.0
    if dense and sparse:
        agreement = len(set(dense[:5]) & set(sparse[:5])) / 5
    terms = set(analyze(query))
    coverage = 0.0
    if terms and result.hits:
        top = set(analyze(" ".join([result.hits[0].text, *result.hits[0].hierarchy])))
        coverage = len(terms & top) / len(terms)
    return {
        "dense_top": result.top_scores.get("dense", 0.0),
        "dense_margin": result.top_scores.get("dense_margin", 0.0),
        "sparse_top": math.log1p(result.top_scores.get("sparse", 0.0)),
        "agreement": agreement,
        "coverage": coverage,
        "procedure": _asks_procedure(fold(query.lower().translate(PUNCT))),
        # How close the question is to one of the team's example questions, all answerable;
        # None when the search has no examples (the judge then leaves this signal out).
        "example_top": result.top_scores.get("example"),
    }


def _asks_procedure(folded: str) -> float:
    return float(bool(PROCEDURE.search(folded)) and not PENALTY.search(folded))


class Judge:
    def __init__(self, weights: dict | None = None, path: Path = CALIBRATION):
        if weights is None and path.is_file():
            weights = json.loads(path.read_text(encoding="utf-8"))
            if weights.get("features") != list(FEATURES):  # calibrated on other signals: not usable
                weights = None
        # Uncalibrated: every question counts as answered (never hide the law by mistake).
        self.weights = weights or {"mean": [0.0] * len(FEATURES), "scale": [1.0] * len(FEATURES),
                                   "coef": [0.0] * len(FEATURES), "bias": 1.0, "threshold": 0.5}

    def probability(self, signals: dict[str, float | None]) -> float:
        w = self.weights
        values = [w["mean"][i] if signals.get(f) is None else signals[f] for i, f in enumerate(FEATURES)]
        x = (np.array(values) - np.array(w["mean"])) / np.array(w["scale"])
        return float(1.0 / (1.0 + np.exp(-(x @ np.array(w["coef"]) + w["bias"]))))

    def answered(self, signals: dict[str, float]) -> bool:
        return self.probability(signals) >= self.weights["threshold"]


def fit(rows: list[dict[str, float]], labels: list[bool], l2: float = 0.1, steps: int = 3000) -> dict:
    """Logistic regression on standardised signals (numpy, deterministic)."""
    x = np.array([[r[f] or 0.0 for f in FEATURES] for r in rows], dtype=float)
    y = np.array(labels, dtype=float)
    mean, scale = x.mean(0), x.std(0) + 1e-9
    z = (x - mean) / scale
    coef, bias = np.zeros(len(FEATURES)), 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(z @ coef + bias)))
        coef -= 0.1 * (z.T @ (p - y) / len(y) + l2 * coef)
        bias -= 0.1 * float(np.mean(p - y))
    return {"features": list(FEATURES), "mean": mean.tolist(), "scale": scale.tolist(), "coef": coef.tolist(),
            "bias": bias, "threshold": 0.5}


def save(weights: dict, path: Path = CALIBRATION) -> None:
    path.write_text(json.dumps(weights, indent=2) + "\n", encoding="utf-8")
