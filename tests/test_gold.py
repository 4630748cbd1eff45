"""The gold questions cite only articles that exist, and the metrics count what they say."""

from pathlib import Path

from evals.retrieval import load_gold, score
from ingest.markdown import parse_markdown
from musoya.settings import ROOT


def test_every_gold_article_exists_in_the_corpus():
    keys = set()
    for path in (ROOT / "corpus").glob("*.md"):
        if path.stem.islower():
            keys |= {f"{path.stem}:{a.key}" for a in parse_markdown(path)[1]}
    gold = load_gold()
    assert len(gold) >= 40
    for item in gold:
        cited = ([item["primary"]] if item["primary"] else []) + item["relevant"]
        assert set(cited) <= keys, item["question"]
        assert not item["primary"] or item["primary"] in item["relevant"]
        assert item["style"] in {"plain", "colloquial", "legal", "misspelled", "story", "bambara", "none"}


def test_metrics():
    ranked = ["a:1", "b:2", "c:3"]
    assert score(ranked, "b:2", ["b:2", "c:3", "d:4", "e:5"]) == {
        "primary@1": 0.0, "primary@5": 1.0, "primary@10": 1.0, "recall@10": 0.5, "mrr@10": 0.5}
    assert score(ranked, "z:9", ["z:9"])["mrr@10"] == 0.0
