"""The evaluation questions and the training pairs cite only real articles and stay apart.

Gold measures retrieval while tuning, holdout is kept for the final check, and the training
pairs adapt the model: a training question that repeats an evaluation question, or an
evaluation question present in both sets, would make the figures lie.
"""

import re
import unicodedata
from collections import Counter
from functools import lru_cache

import pytest
import yaml

from evals.retrieval import COVERAGE, GOLD, HOLDOUT, SETS, TRAINING, load_gold, score
from ingest.markdown import parse_markdown
from musoya.settings import ROOT

STYLES = {"plain", "colloquial", "legal", "misspelled", "story", "bambara", "none"}
THEMES = {
    "mariage-enfant", "mariage-force", "levirat", "excision", "viol", "harcelement",
    "violences-conjugales", "violences-economiques", "traite", "esclavage", "avortement", "egalite",
    "participation-politique", "travail", "maternite", "education", "droits-enfant",
    "plainte-victimes", "recours-cedef", "famille-succession",
}


@lru_cache(maxsize=1)
def corpus_keys() -> frozenset[str]:
    keys = set()
    for path in (ROOT / "corpus").glob("*.md"):
        if path.stem.islower():
            keys |= {f"{path.stem}:{a.key}" for a in parse_markdown(path)[1]}
    return frozenset(keys)


def folded(question: str) -> str:
    """Case, accents and punctuation do not make two questions different."""
    text = unicodedata.normalize("NFKD", question.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def training() -> list[dict]:
    return yaml.safe_load(TRAINING.read_text(encoding="utf-8"))


def coverage() -> list[dict]:
    return yaml.safe_load(COVERAGE.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", SETS.values(), ids=SETS.keys())
def test_evaluation_questions_are_well_formed(path):
    keys = corpus_keys()
    items = load_gold(path)
    for item in items:
        assert set(item) == {"question", "style", "theme", "primary", "relevant"}, item
        assert isinstance(item["question"], str) and item["question"].strip(), item
        assert item["style"] in STYLES, item["question"]
        assert item["theme"] in THEMES, item["question"]
        cited = ([item["primary"]] if item["primary"] else []) + item["relevant"]
        assert set(cited) <= keys, (item["question"], set(cited) - keys)
        assert len(item["relevant"]) == len(set(item["relevant"])), item["question"]
        if item["style"] == "none":
            assert item["primary"] is None and item["relevant"] == [], item["question"]
        else:
            assert item["primary"] in item["relevant"], item["question"]
    questions = [folded(i["question"]) for i in items]
    assert len(questions) == len(set(questions)), "question en double"


def test_gold_is_large_and_covers_every_theme():
    gold = load_gold(GOLD)
    assert len(gold) >= 150
    answerable = Counter(i["theme"] for i in gold if i["primary"])
    assert {t: answerable[t] for t in THEMES if answerable[t] < 4} == {}
    styles = Counter(i["style"] for i in gold)
    assert styles.keys() == STYLES
    assert 0.05 <= styles["none"] / len(gold) <= 0.2


@pytest.mark.parametrize("path", list(SETS.values())[1:], ids=list(SETS)[1:])
def test_later_sets_are_apart_from_the_earlier_ones(path):
    order = list(SETS.values())  # in the order they were written
    earlier = {folded(i["question"]) for p in order[: order.index(path)] for i in load_gold(p)}
    items = load_gold(path)
    assert len(items) >= 50
    assert sum(1 for i in items if i["primary"] is None) >= 10
    assert earlier.isdisjoint(folded(i["question"]) for i in items)


def test_training_pairs_resolve_and_never_repeat_an_evaluation_question():
    keys = corpus_keys()
    pairs = training() + coverage()
    assert len(training()) >= 300
    for pair in pairs:
        assert set(pair) == {"question", "article"}, pair
        assert pair["article"] in keys, pair
    asked = {folded(i["question"]) for path in SETS.values() for i in load_gold(path)}
    repeated = [p["question"] for p in pairs if folded(p["question"]) in asked]
    assert repeated == []
    questions = [folded(p["question"]) for p in pairs]
    assert len(questions) == len(set(questions)), "question d'entraînement en double"


def test_training_leaves_articles_for_measuring_generalisation():
    """Some pairs teach articles no evaluation question cites, and some gold answers stay unseen by the
    encoder and the reranker (an article without examples is measured by hiding its examples)."""
    pairs = training()
    articles = Counter(p["article"] for p in pairs)
    assert len(articles) >= 150
    evaluated = {a for path in (GOLD, HOLDOUT) for i in load_gold(path) for a in i["relevant"]}
    unseen_pairs = sum(n for a, n in articles.items() if a not in evaluated)
    assert unseen_pairs >= len(pairs) / 3
    gold_primaries = {i["primary"] for i in load_gold(GOLD) if i["primary"]}
    assert gold_primaries & articles.keys(), "aucun article de référence n'est appris"
    assert gold_primaries - articles.keys(), "tous les articles de référence sont appris"


def test_folding_ignores_case_accents_and_punctuation():
    assert folded("Mon mari m’a FRAPPÉE !") == folded("mon mari m a frappee")
    assert folded("Mon mari m'a frappée") != folded("Mon mari m'a quittée")


def test_metrics():
    row = {"question": "q", "style": "plain", "primary": "b:2", "relevant": ["b:2", "c:3", "d:4", "e:5"],
           "ranked": ["a:1", "b:2", "c:3"]}
    result = score([row])
    assert result["primary@1"] == 0.0 and result["primary@5"] == 1.0 and result["primary@10"] == 1.0
    assert result["recall@10"] == 0.5
    assert result["mrr@10"] == 0.5
    missed = score([{**row, "primary": "z:9", "relevant": ["z:9"]}])
    assert missed["mrr@10"] == 0.0 and missed["primary@10"] == 0.0
