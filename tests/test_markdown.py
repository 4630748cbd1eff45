import re
from pathlib import Path

import pytest

from ingest.markdown import ParseError, heading_level, parse_body, parse_markdown
from musoya.settings import ROOT

BUNDLED = sorted(p for p in (ROOT / "corpus").glob("*.md") if p.stem.islower())


def test_the_whole_corpus_is_bundled():
    assert len(BUNDLED) == 16


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_every_instrument_parses_with_one_article_per_heading(path: Path):
    source = path.read_text(encoding="utf-8")
    instrument, articles = parse_markdown(path)
    headings = len(re.findall(r"^## Article ", source, re.MULTILINE))
    assert instrument.id == path.stem
    assert instrument.short_title and instrument.jurisdiction and instrument.source and instrument.completeness
    assert sum(a.numbered for a in articles) == headings
    assert len({a.key for a in articles}) == len(articles), "every unit is addressable"
    for article in articles:
        assert article.text.strip()
        assert article.text in source, f"{article.key} is not verbatim"


def test_article_ids_are_kept_as_printed():
    _, articles = parse_markdown(ROOT / "corpus" / "mali-code-penal-2024.md")
    ids = {a.article for a in articles}
    assert {"327-11", "327-12", "321-22", "431-1 bis", "431-1 ter", "702-1"} <= ids


def test_premier_and_1er_become_1():
    _, articles = parse_markdown(ROOT / "corpus" / "mali-constitution-2023.md")
    first = [a for a in articles if a.numbered][0]
    assert first.article == "1"
    assert first.text.startswith("Tous les Maliens naissent et demeurent libres et égaux")


def test_numbers_printed_twice_stay_distinct_and_citable():
    _, articles = parse_markdown(ROOT / "corpus" / "mali-code-penal-2024.md")
    twins = [a for a in articles if a.article == "511-1"]
    assert [a.key for a in twins] == ["511-1", "511-1#2"]
    assert twins[0].text != twins[1].text
    assert [a.label() for a in twins] == ["art. 511-1 (TITRE I)", "art. 511-1 (TITRE XI)"]
    assert twins[1].hierarchy[1].startswith("TITRE XI")


def test_hierarchy_follows_the_headings():
    _, articles = parse_markdown(ROOT / "corpus" / "mali-code-penal-2024.md")
    child_marriage = next(a for a in articles if a.article == "327-12")
    assert child_marriage.hierarchy == [
        "LIVRE III DES CRIMES ET DELITS CONTRE LES PERSONNES",
        "TITRE II : DES ATTEINTES A LA PERSONNE HUMAINE ET AU GENRE",
        "Chapitre 7 : Des atteintes au genre",
        "Section 9 : Du mariage d’enfant",
    ]
    assert "dont l’un au moins est âgé de moins de seize ans" in child_marriage.text


def test_preamble_opening_and_signature_are_units_of_their_own():
    _, articles = parse_markdown(ROOT / "corpus" / "mali-constitution-2023.md")
    by_key = {a.key: a for a in articles}
    assert by_key["en-tête"].text.startswith("DECRET N°2023-0401/PT-RM")
    assert by_key["préambule"].text.startswith("Le Peuple souverain du Mali")
    assert by_key["signature"].text.startswith("Bamako, le 22 juillet 2023")
    assert "Bamako" not in by_key["191"].text
    assert not by_key["préambule"].numbered and by_key["préambule"].label() == "préambule"


def test_document_title_is_not_part_of_the_hierarchy():
    _, articles = parse_markdown(ROOT / "corpus" / "un-cedef-1979.md")
    assert articles[0].article == "1"
    assert articles[0].hierarchy == ["Première partie"]


@pytest.mark.parametrize("heading,level", [
    ("LIVRE III DES CRIMES", 1), ("Première partie", 1), ("TITRE II : DES ATTEINTES", 2),
    ("CHAPITRE I : DES DROITS", 3), ("Section 9 : Du mariage d’enfant", 4),
    ("Sous-section 1 : Des peines", 5), ("Paragraphe 7 : Du traitement", 6),
    ("Sous-paragraphe 1 : De l’administration", 7), ("Préambule", None),
])
def test_heading_levels(heading, level):
    assert heading_level(heading) == level


def test_text_without_headings_is_one_unit():
    units = parse_body("Un texte sans article.\n\nDeux paragraphes.", "note")
    assert [(u.article, u.text) for u in units] == [("en-tête", "Un texte sans article.\n\nDeux paragraphes.")]


def test_empty_and_non_utf8_files_are_refused_in_french(tmp_path):
    empty = tmp_path / "vide.md"
    empty.write_text("---\ntitle: Vide\n---\n\n", encoding="utf-8")
    with pytest.raises(ParseError, match="aucun texte"):
        parse_markdown(empty)
    latin = tmp_path / "latin.md"
    latin.write_bytes("## Article 1\n\nLa femme a des droits égaux.".encode("cp1252"))
    with pytest.raises(ParseError, match="UTF-8"):
        parse_markdown(latin)


def test_unclosed_front_matter_is_reported(tmp_path):
    path = tmp_path / "x.md"
    path.write_text("---\ntitle: X\n## Article 1\n\nTexte.", encoding="utf-8")
    with pytest.raises(ParseError, match="front matter"):
        parse_markdown(path)


def test_articles_after_a_preamble_are_not_part_of_it():
    _, articles = parse_markdown(ROOT / "corpus" / "un-dudh-1948.md")
    by_key = {a.key: a for a in articles}
    assert by_key["préambule"].hierarchy == ["Préambule"]
    assert by_key["16"].hierarchy == []


def test_a_heading_wrapped_onto_the_next_line_is_joined():
    _, articles = parse_markdown(ROOT / "corpus" / "mali-code-penal-2024.md")
    first = next(a for a in articles if a.article == "232-1")
    assert first.hierarchy[-1] == (
        "Chapitre 2 : Des crimes portant atteinte à la sécurité intérieure de l’Etat ou à l’intégrité du "
        "territoire par la guerre civile, l’emploi illégal de la force armée, la dévastation et le pillage public")
    notes = [a for a in articles if not a.numbered and a.text.startswith("[Loi n°08-025")]
    assert notes, "a bracketed reference under a heading stays a unit of its own"
