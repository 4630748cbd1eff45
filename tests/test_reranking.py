"""The learnt reranking: its signals, its fit, and the component inside a real search."""

import json
import math

import numpy as np
import pytest
import yaml

from conftest import FakeDocumentEmbedder, FakeTextEmbedder, bundle, fake_vector, make_settings
from evals.retrieval import COVERAGE, TRAINING
from ingest.index import Index
from ingest.sources import library
from ingest.store import open_client
from search import encoder, examples, reranking
from search.searcher import Searcher


def test_candidates_are_the_fused_articles_then_the_examples_articles():
    cosines = {"": 0.9, "a:1": 0.9, "b:2": 0.7, "c:3": 0.5}
    candidates, rows = reranking.candidate_features(
        fused=["a:1", "b:2"], sparse=["b:2"], dense=["a:1", "b:2"], examples=["c:3", "c:3", "a:1"],
        cosines=cosines, national={"c:3"}, words={"c:3": 4.0, "a:1": 2.0})
    assert candidates == ["a:1", "b:2", "c:3"]
    signal = {c: dict(zip(reranking.FEATURES, row)) for c, row in zip(candidates, rows)}
    assert signal["a:1"]["fused_rank"] == math.log1p(1) and signal["a:1"]["sparse_rank"] == math.log1p(reranking.ABSENT)
    assert signal["c:3"]["fused_rank"] == math.log1p(reranking.ABSENT)
    assert signal["c:3"]["example_rank"] == math.log1p(1) and signal["c:3"]["near_examples"] == 2
    assert signal["b:2"]["example_rank"] == math.log1p(100) and signal["b:2"]["voted"] == 0.0
    assert signal["a:1"]["cosine_gap"] == 0.0 and signal["c:3"]["cosine_gap"] == pytest.approx(-0.4)
    assert signal["c:3"]["national"] == 1.0 and signal["a:1"]["national"] == 0.0
    assert signal["a:1"]["described"] == signal["c:3"]["described"] == 1.0 and signal["b:2"]["described"] == 0.0
    assert signal["c:3"]["near_examples × described"] == 2 and signal["b:2"]["fused_rank × described"] == 0.0
    assert signal["c:3"]["word_rank"] == math.log1p(1) and signal["c:3"]["word_score"] == 1.0
    assert signal["a:1"]["word_score"] == 0.5 and signal["b:2"]["word_rank"] == math.log1p(100)
    assert signal["b:2"]["word_score"] == 0.0 and signal["a:1"]["gram_rank"] == math.log1p(100)


def test_the_word_vote_brings_its_first_articles_and_the_gram_vote_is_a_signal():
    """An article the examples' words name, that neither list nor the nearest examples found, is reranked."""
    words = {f"w:{i}": 10.0 - i for i in range(reranking.WORD_VOTERS + 2)}
    candidates, rows = reranking.candidate_features(
        fused=["a:1"], sparse=[], dense=["a:1"], examples=[], cosines={"": 0.9, "a:1": 0.9},
        national=set(), words=words, grams={"w:1": 8.0, "a:1": 2.0})
    assert candidates == ["a:1", *list(words)[:reranking.WORD_VOTERS]]
    signal = {c: dict(zip(reranking.FEATURES, row)) for c, row in zip(candidates, rows)}
    assert signal["w:1"]["gram_rank"] == math.log1p(1) and signal["w:1"]["gram_score"] == 1.0
    assert signal["a:1"]["gram_score"] == 0.25 and signal["w:0"]["gram_score"] == 0.0
    assert signal["w:0"]["fused_rank"] == math.log1p(reranking.ABSENT) and signal["w:0"]["word_rank"] == math.log1p(1)


def test_examples_vote_by_the_words_people_use():
    said = examples.Examples(np.zeros((3, 2)), ["a:1", "b:2", "b:2"],
                             ["Il a dit « je te répudie » devant tout le monde", "mon mari me frappe le soir",
                              "il me frappe avec un bâton devant les enfants"])
    votes = said.word_votes("mon mari m a dit je te repudie")  # typed without accents
    assert list(votes)[0] == "a:1" and votes["a:1"] > votes["b:2"] > 0
    assert "a:1" not in said.word_votes("je te répudie", exclude=0)  # a training question never votes for itself
    assert said.without("b:2").word_votes("il me frappe") == {}
    assert said.word_votes("quelle heure est-il") == {}
    typed = said.gram_votes("mon mari ma dit je te repudiie")  # 4-grams of « répudie », not its stem
    assert list(typed)[0] == "a:1" and "a:1" not in said.word_votes("je te repudiie")
    assert "a:1" not in said.gram_votes("je te repudiie", exclude=0)


def test_fit_learns_which_signal_marks_the_right_article():
    rng = np.random.default_rng(0)
    rows = rng.normal(size=(400, len(reranking.FEATURES)))
    labels = rows[:, reranking.FEATURES.index("example_rank")] < -1.0  # the examples' first article is right
    model = reranking.Model(reranking.fit(rows, labels))
    scores = model.scores(rows)
    assert np.mean(scores[labels]) > np.mean(scores[~labels])
    assert model.coef[reranking.FEATURES.index("example_rank")] < 0
    assert np.argmax(np.abs(model.coef)) == reranking.FEATURES.index("example_rank")


def test_weights_fitted_on_other_signals_are_refused():
    with pytest.raises(ValueError):
        reranking.Model({"features": ["fused_rank"], "mean": [0], "scale": [1], "coef": [1]})


def test_the_shipped_files_were_learnt_from_the_current_training_pairs():
    """A pair changed without `musoya train` would leave the search on old examples."""
    pairs = yaml.safe_load(TRAINING.read_text(encoding="utf-8"))
    everything = pairs + yaml.safe_load(COVERAGE.read_text(encoding="utf-8"))
    shipped = examples.load(examples.EXAMPLES)
    assert shipped.fingerprint == examples.fingerprint(everything)
    voting = [everything[i] for i in examples.voting(everything)]
    assert shipped.articles == [p["article"] for p in voting] and shipped.vectors.shape == (len(voting), 384)
    assert shipped.questions == [p["question"] for p in voting]
    with np.load(encoder.ENCODER) as data:
        assert str(data["pairs"]) == examples.fingerprint(pairs)
    assert reranking.Model.load(reranking.RERANKER).coef.shape == (len(reranking.FEATURES),)


def test_an_article_votes_once_it_has_enough_example_questions():
    pairs = [{"question": f"q{i}", "article": "a:1"} for i in range(examples.MIN_EXAMPLES)]
    pairs += [{"question": "seule", "article": "b:2"}]
    assert [pairs[i]["article"] for i in examples.voting(pairs)] == ["a:1"] * examples.MIN_EXAMPLES


@pytest.fixture(scope="module")
def library_with_examples(tmp_path_factory):
    """A small real index (fake vectors), one example question, and weights that trust the examples."""
    folder = tmp_path_factory.mktemp("rerank")
    settings = make_settings(folder)
    bundle(settings, "un-cedef-1979", "un-cde-1989")
    client = open_client(settings)
    Index(settings, client).sync(library(settings), FakeDocumentEmbedder)
    question = "ma fille ne va plus en classe depuis que son père la garde à la maison"
    examples.save([{"question": question, "article": "un-cde-1989:28"}], np.array([fake_vector(question)]),
                  folder / "examples.npz")
    coef = [0.0] * len(reranking.FEATURES)
    coef[reranking.FEATURES.index("example_rank")] = -5.0
    weights = {"features": list(reranking.FEATURES), "mean": [0.0] * len(coef), "scale": [1.0] * len(coef),
               "coef": coef, "bias": 0.0}
    (folder / "reranker.json").write_text(json.dumps(weights), encoding="utf-8")
    searcher = Searcher(Index(settings, client), FakeTextEmbedder, top_k=5, examples=str(folder / "examples.npz"),
                        reranker=str(folder / "reranker.json"))
    yield searcher
    client.close()


def test_an_example_brings_its_article_first_quoted_whole(library_with_examples):
    result = library_with_examples.search("discrimination salariale des femmes")  # no word of CDE 28
    first = result.hits[0]
    assert (first.instrument, first.article) == ("un-cde-1989", "28")
    assert "droit de l’enfant à l’éducation" in first.text.replace("'", "’")
    assert len(result.hits) == 5 and len({(h.instrument, h.key) for h in result.hits}) == 5
    assert result.top_scores["example"] > 0


def test_filters_hold_for_articles_brought_by_the_examples(library_with_examples):
    hits = library_with_examples.search("discrimination salariale des femmes", instrument="un-cedef-1979").hits
    assert hits and {h.instrument for h in hits} == {"un-cedef-1979"}
    themed = library_with_examples.search("discrimination salariale des femmes", jurisdiction="Nations Unies").hits
    assert ("un-cde-1989", "28") in {(h.instrument, h.article) for h in themed}


def test_more_results_than_candidates_keep_the_fused_order_after_them(library_with_examples):
    hits = library_with_examples.search("égalité des femmes et des hommes", top_k=30).hits
    assert len(hits) == 30 and len({(h.instrument, h.key) for h in hits}) == 30
    assert hits[0].score >= hits[-1].score


def test_the_question_s_words_reach_the_examples_vote(library_with_examples, tmp_path):
    """Weights that trust only the word vote: an example sharing the question's words brings its article."""
    coef = [0.0] * len(reranking.FEATURES)
    coef[reranking.FEATURES.index("word_rank")] = -5.0
    weights = {"features": list(reranking.FEATURES), "mean": [0.0] * len(coef), "scale": [1.0] * len(coef),
               "coef": coef, "bias": 0.0}
    (tmp_path / "reranker.json").write_text(json.dumps(weights), encoding="utf-8")
    by_words = Searcher(library_with_examples.index, FakeTextEmbedder, top_k=5,
                        examples=library_with_examples.examples, reranker=str(tmp_path / "reranker.json"))
    hits = by_words.search("discrimination salariale : son père la garde à la maison").hits
    assert (hits[0].instrument, hits[0].article) == ("un-cde-1989", "28")
    hits = by_words.search("discrimination salariale des femmes").hits  # no word of the example
    assert (hits[0].instrument, hits[0].article) != ("un-cde-1989", "28")


def test_an_article_both_lists_put_first_stays_first(library_with_examples):
    """The examples know only the articles they were written for: the law's own words still win."""
    question = "les mêmes conditions d’orientation professionnelle, d’accès aux études et d’obtention de diplômes"
    result = library_with_examples.search(question)
    assert result.ranked["sparse"][0] == result.ranked["dense"][0] == "un-cedef-1979:10"
    assert (result.hits[0].instrument, result.hits[0].article) == ("un-cedef-1979", "10")
    assert ("un-cde-1989", "28") in {(h.instrument, h.article) for h in result.hits}  # the example still counts


def test_hiding_an_articles_examples_searches_it_as_one_without_any(library_with_examples):
    """How the evaluation measures an article no example describes (a text the user adds)."""
    from evals.retrieval import _examples_hidden

    question = "discrimination salariale des femmes"
    assert library_with_examples.search(question).hits[0].article == "28"
    with _examples_hidden(library_with_examples) as hide:
        hide("un-cde-1989:28")
        assert library_with_examples.search(question).hits[0].article != "28"
        hide("un-cedef-1979:11")  # another article's examples hidden: this one's are back
        assert library_with_examples.search(question).hits[0].article == "28"
    assert library_with_examples.search(question).hits[0].article == "28"
