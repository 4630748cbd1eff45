"""Tolerance to phone typing: unknown words reach their corpus neighbours, real words are left alone."""

from musoya.settings import Settings
from search.spelling import SpellingCorrector, Vocabulary, build_vocabulary, one_edit


def test_one_edit_covers_deletion_insertion_substitution_and_swap():
    assert one_edit("mariage", "mariiage") and one_edit("mariage", "mariag") and one_edit("travail", "travial")
    assert one_edit("harcelement", "harcelemant")
    assert not one_edit("mariage", "mariage") and not one_edit("mariage", "marriiage")


def test_unknown_words_get_their_neighbours_most_weighted_first():
    corrector = SpellingCorrector(Vocabulary({"mariage": 50, "travail": 30, "exciser": 1000, "exiger": 40},
                                             known={"saigne"}))
    out = corrector.run(query="mariiage et travial, on veut exiser ; elle saigne ; 15ans")
    assert out["corrections"] == {"mariiage": ["mariage"], "travial": ["travail"], "exiser": ["exciser", "exiger"]}
    assert out["text"].startswith("mariiage et travial, on veut exiser ; elle saigne ; 15 ans")


def test_an_elision_typed_without_apostrophe_is_read_as_the_word_after_it():
    vocabulary = Vocabulary({"acte": 40, "date": 90, "ecole": 30}, known={"avais"})
    assert vocabulary.neighbours("dacte") == ["acte"]  # not "date", one edit away too
    assert vocabulary.neighbours("lecole") == ["ecole"]
    assert vocabulary.neighbours("javais") == []  # a French word: nothing to add, nothing to correct
    assert vocabulary.neighbours("dater") == ["date"]  # no elision there: a plain typo


def test_the_bundled_vocabulary_corrects_typos_but_not_french_words(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", _env_file=None)
    corrector = SpellingCorrector(build_vocabulary(settings))
    assert corrector.run(query="harcelemnt au travial")["corrections"] == {
        "harcelemnt": ["harcelement"], "travial": ["travail"]}
    assert corrector.run(query="on veut exiser ma fille")["corrections"]["exiser"][0] == "exciser"
    assert corrector.run(query="ma fille a été mariée, elle saigne")["corrections"] == {}
    # French words the law does not use, a convention's name, an elision typed without its apostrophe
    assert corrector.run(query="une dépression, des séquelles, la CEDEF, quand javais 12 ans à Sévaré")["corrections"] == {}
    assert list((tmp_path / "data").glob("vocabulaire-*.json")), "cached for the next start"
