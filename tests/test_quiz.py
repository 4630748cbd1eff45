"""Quiz: each blank's answer is exactly what was removed from the verbatim article."""

from __future__ import annotations

import re

import pytest

from briefs.quiz import BLANK, Quizmaker, candidates, number_value
from briefs.references import Cited, Library
from conftest import bundle

STEMS = ("mali-code-penal-2024", "un-cde-1989", "un-cedef-1979", "un-convention-supplementaire-esclavage-1956",
         "ua-charte-africaine-droits-homme-peuples-1981")
CHOSEN = [("mali-code-penal-2024", "327-12"), ("mali-code-penal-2024", "327-11"), ("un-cedef-1979", "16"),
          ("un-cde-1989", "1"), ("un-convention-supplementaire-esclavage-1956", "2"), ("un-cde-1989", "24"),
          ("mali-code-penal-2024", "321-1"), ("ua-charte-africaine-droits-homme-peuples-1981", "18")]


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    from conftest import make_settings

    settings = make_settings(tmp_path_factory.mktemp("quiz"))
    bundle(settings, *STEMS)
    return Library(settings)


@pytest.fixture(scope="module")
def maker(library):
    return Quizmaker(library)


@pytest.fixture(scope="module")
def articles(library) -> list[Cited]:
    found = [library.resolve(i, k) for i, k in CHOSEN]
    assert all(isinstance(c, Cited) for c in found)
    return found


def test_every_answer_is_the_exact_text_removed(maker, articles):
    items = maker.quiz(articles, seed=7, per_article=3)
    assert len(items) >= len(articles)
    by_ref = {(c.instrument, c.key): c for c in articles}
    for item in items:
        text = by_ref[(item.instrument, item.key)].text
        assert item.stem.count(BLANK) == 1
        assert item.filled in text  # the question with the answer put back is verbatim
        before, after = item.stem.split(BLANK)
        start = text.index(item.filled) + len(before)
        assert text[start : start + len(item.answer)] == item.answer
        assert item.answer in item.choices and len(set(item.choices)) == len(item.choices)


def test_child_marriage_age_is_blanked(maker, articles):
    item = maker.item(articles[0], __import__("random").Random(0))
    assert item.kind == "âge" and item.answer == "seize"
    assert re.search(rf"âgée? de moins de {BLANK} ans\.$", item.stem)
    assert item.citation == "Code pénal (2024), art. 327-12"


def test_distractors_are_of_the_same_kind_and_never_the_answer(maker, articles):
    items = maker.quiz(articles, seed=11, per_article=3)
    assert any(len(i.choices) == 4 for i in items)
    for item in items:
        for choice in item.choices:
            if choice == item.answer:
                continue
            assert " ".join(choice.split()).casefold() != " ".join(item.answer.split()).casefold()
            if item.kind != "terme" and item.kind != "mot-clé":
                # numbers: not the same number written differently (« dix-huit » / « 18 »)
                assert number_value(choice) is not None and number_value(choice) != number_value(item.answer)
            # drawn from the corpus: the distractor occurs in some other article of its kind
            assert any(choice in a.text for _, a in maker_articles(maker)), choice


def maker_articles(maker):
    return maker._articles


def test_same_seed_same_quiz_other_seed_other_quiz(library, articles):
    first = Quizmaker(library).quiz(articles, seed=5, per_article=2)
    again = Quizmaker(library).quiz(articles, seed=5, per_article=2)
    assert [(i.stem, i.answer, i.choices) for i in first] == [(i.stem, i.answer, i.choices) for i in again]
    others = [Quizmaker(library).quiz(articles, seed=s, per_article=2) for s in range(6, 10)]
    assert any([(i.stem, i.choices) for i in o] != [(i.stem, i.choices) for i in first] for o in others)


def test_candidates_kinds_on_known_text():
    text = ("Quiconque célèbre un mariage d’enfant est puni d’un emprisonnement de cinq ans et d’une amende "
            "de 1 000 000 de francs. Une personne âgée de moins de dix-huit ans.")
    found = {(c.kind, c.value) for c in candidates(text)}
    assert ("peine ans", "cinq") in found and ("montant", "1 000 000") in found and ("âge", "dix-huit") in found
    for c in candidates(text):
        assert text[c.start : c.end] == c.value


@pytest.mark.parametrize("words, value", [("dix-huit", 18), ("seize", 16), ("vingt et un", 21),
                                          ("quatre-vingt-dix", 90), ("1 000 000", 1_000_000), ("un", 1)])
def test_number_values(words, value):
    assert number_value(words) == value


def test_article_without_anything_to_blank_gives_no_item(maker):
    bare = Cited("x", "1", "1", "X, art. 1", "Texte sans chiffre ni terme repéré.", "X", "Mali")
    assert maker.quiz([bare]) == []
