"""Composing notes de plaidoyer and kits: sections, verbatim quotes, unresolved references,
cross-references, the published explanation note, typography, and the CLI."""

from __future__ import annotations

from datetime import date

import pytest
from typer.testing import CliRunner

from briefs.compose import (
    compose_brief,
    compose_dossier_brief,
    compose_kit,
    excerpt,
    explanation_field,
)
from briefs.document import PLACEHOLDER, Bullets, Paragraph, Quote
from briefs.dossiers import DossierStore
from briefs.notes import JURISDICTION, note_path, save_kit
from briefs.references import Cited, Library, source_title
from briefs.typography import NNBSP, french, french_date
from conftest import bundle
from ingest.markdown import parse_markdown
from ingest.records import Instrument
from ingest.sources import library as library_sources


STEMS = ("mali-code-penal-2024", "un-cde-1989", "un-cedef-1979", "un-convention-supplementaire-esclavage-1956")
REFS = [("mali-code-penal-2024", "327-12", "seize ans"), ("un-cde-1989", "1", ""), ("un-cedef-1979", "16", ""),
        ("mali-code-penal-2024", "327-11", "")]


@pytest.fixture
def lib(settings):
    bundle(settings, *STEMS)
    return settings


def corpus_text(settings, instrument, key):
    found = Library(settings).resolve(instrument, key)
    assert isinstance(found, Cited)
    return found.text


@pytest.mark.parametrize("title, adopted, expected", [
    ("Code pénal 2024", "2024-12-13", "Code pénal (2024)"),
    ("CEDEF (CEDAW)", "1979-12-18", "CEDEF (CEDAW, 1979)"),
    ("Convention supplémentaire sur l’esclavage (1956)", "1956-09-07", "Convention supplémentaire sur l’esclavage (1956)"),
    ("DUDH", "1948-12-10", "DUDH (1948)"),
    ("Texte ajouté", "", "Texte ajouté"),
])
def test_source_title_gives_the_year_once(title, adopted, expected):
    assert source_title(Instrument("x", title, title, adopted=adopted)) == expected


def test_detailed_note_splits_national_and_international_and_quotes_verbatim(lib):
    doc = compose_brief(lib, REFS, "note-detaillee", {"resume": "Résumé tapé."}, today=date(2026, 11, 29))
    headings = [s.heading for s in doc.sections]
    assert headings == ["Résumé", "Contexte", "Cadre juridique national", "Engagements internationaux du Mali",
                        "Écarts", "Recommandations"]
    national = [b.citation for b in doc.sections[2].blocks if isinstance(b, Quote)]
    international = [b.citation for b in doc.sections[3].blocks if isinstance(b, Quote)]
    assert [c.split(" (extrait)")[0] for c in national] == ["Code pénal (2024), art. 327-12", "Code pénal (2024), art. 327-11"]
    assert all(c.startswith(("CDE", "CEDEF")) for c in international)
    sources = [corpus_text(lib, i, k) for i, k, _ in REFS]
    for quote in doc.quotes():
        assert any(quote.text in text for text in sources)  # an excerpt or the whole article, never retyped
    assert [q.text for q in doc.annex] == [corpus_text(lib, i, k) for i, k, _ in REFS]
    assert doc.date == "29 novembre 2026"
    placeholders = [b for s in doc.sections for b in s.blocks if isinstance(b, Paragraph) and b.placeholder]
    assert placeholders and all(b.text.startswith(PLACEHOLDER) for b in placeholders)


def test_short_note_quotes_at_most_five_articles(lib):
    refs = REFS + [("un-convention-supplementaire-esclavage-1956", "1", ""), ("un-cde-1989", "2", "")]
    doc = compose_brief(lib, refs, "note-courte", {})
    body_quotes = [b for s in doc.sections for b in s.blocks if isinstance(b, Quote)]
    assert len(body_quotes) == 5 and len(doc.annex) == 6
    assert any("autres textes du dossier sont cités en annexe" in b.text
               for s in doc.sections for b in s.blocks if isinstance(b, Paragraph))


def test_letter_has_addressee_subject_and_courtesy_formula(lib):
    doc = compose_brief(lib, REFS[:2], "lettre", {"destinataire": "Monsieur le Ministre de la Justice",
                                                 "objet": "Âge minimum du mariage", "signataire": "La présidente"})
    texts = [b.text for s in doc.sections for b in s.blocks if isinstance(b, Paragraph)]
    assert "À l’attention de Monsieur le Ministre de la Justice" in texts
    assert f"Objet{NNBSP}: Âge minimum du mariage" in texts
    assert any(t.startswith("Nous vous prions d’agréer") for t in texts)
    assert texts[-1] == "La présidente"


def test_unresolved_reference_is_reported_not_dropped_or_invented(lib):
    refs = REFS[:1] + [("un-cde-1989", "999", ""), ("texte-disparu", "3", "")]
    doc = compose_brief(lib, refs, "note-detaillee", {})
    assert "un-cde-1989, art. 999" in doc.warnings[0] and "texte-disparu, art. 3" in doc.warnings[0]
    missing = doc.sections[-1]
    assert missing.heading == "Références introuvables"
    assert len(missing.blocks[0].items) == 2
    assert len(doc.annex) == 1  # only what exists is quoted


def test_unknown_template_is_refused_in_french(lib):
    with pytest.raises(ValueError, match="Modèle inconnu"):
        compose_brief(lib, REFS, "memo", {})


def test_gaps_use_the_cross_references_when_available(lib):
    note = "La CDE fixe la limite à 18 ans."
    (lib.data_dir / "liens.yaml").parent.mkdir(parents=True, exist_ok=True)
    (lib.data_dir / "liens.yaml").write_text(
        "- {national: 'mali-code-penal-2024:327-12', international: 'un-cde-1989:1', relation: en deçà de,\n"
        f"   theme: mariage-enfant, note: '{note}', reviewed: true}}\n"
        "- {national: 'mali-code-penal-2024:327-12', international: 'un-convention-supplementaire-esclavage-1956:2',\n"
        f"   relation: même objet, theme: mariage-enfant, note: '{note}', reviewed: false}}\n", encoding="utf-8")
    (lib.data_dir / "themes.yaml").write_text(
        "- id: mariage-enfant\n  label: Mariage d’enfant\n  description: x\n  missing: Le Code des personnes "
        "et de la famille n’est pas dans le corpus.\n", encoding="utf-8")
    lib = lib.model_copy(update={"crossrefs": lib.data_dir / "liens.yaml", "themes": lib.data_dir / "themes.yaml"})
    refs = REFS + [("un-convention-supplementaire-esclavage-1956", "2", "")]
    doc = compose_brief(lib, refs, "note-detaillee", {"ecarts": "Mon analyse."})
    gaps = next(s for s in doc.sections if s.heading == "Écarts")
    assert gaps.blocks[0].text == "Mon analyse."
    lists = [b.items for b in gaps.blocks if isinstance(b, Bullets)]
    shortfalls, others, unmatched = lists[0], lists[1], lists[2]
    # one line per pair, worded from the Malian side, with the curated note
    assert shortfalls == [f"Code pénal (2024), art. 327-12 est en deçà de CDE (CIDE, 1989), art. 1{NNBSP}: "
                          "La CDE fixe la limite à 18 ans."]
    assert others[0].startswith("Code pénal (2024), art. 327-12 et Convention supplémentaire sur l’esclavage "
                                "(1956), art. 2 ont le même objet")
    assert others[0].endswith("(correspondance non vérifiée)")
    assert unmatched == [f"CEDEF (CEDAW, 1979), art. 16{NNBSP}: aucune disposition malienne correspondante n’est "
                         "recensée dans le corpus."]
    assert any("Code des personnes et de la famille" in i for i in lists[3])


def test_gaps_with_the_bundled_cross_references(settings):
    bundle(settings, "mali-code-penal-2024", "un-cde-1989", "un-cedef-1979")
    doc = compose_brief(settings, [("mali-code-penal-2024", "327-12", ""), ("un-cde-1989", "1", "")],
                        "note-detaillee", {})
    gaps = next(s for s in doc.sections if s.heading == "Écarts")
    lines = [i for b in gaps.blocks if isinstance(b, Bullets) for i in b.items]
    assert any(line.startswith("Code pénal (2024), art. 327-12 est en deçà de CDE (CIDE, 1989), art. 1")
               for line in lines)


def test_gaps_without_cross_references_say_what_to_do(lib):
    lib = lib.model_copy(update={"crossrefs": lib.data_dir / "absent.yaml"})
    doc = compose_brief(lib, REFS, "note-detaillee", {"ecarts": ""})
    gaps = next(s for s in doc.sections if s.heading == "Écarts")
    assert gaps.blocks[0].placeholder and "correspondances" in gaps.blocks[0].text


def test_excerpt_is_a_verbatim_prefix(lib):
    text = corpus_text(lib, "un-cedef-1979", "16")
    for limit in (60, 240, 420, 10_000):
        part, cut = excerpt(text, limit)
        assert text.startswith(part) and part.strip()
        assert cut == (part != text)


def test_dossier_brief_uses_the_saved_draft(lib):
    store = DossierStore(lib)
    store.create("Mariage")
    for instrument, key, note in REFS:
        store.add("Mariage", instrument, key, note)
    store.save_draft("Mariage", "note", "note-courte", {"resume": "Ce que j’ai tapé hier."})
    doc = compose_dossier_brief(lib, "Mariage", store=store)
    assert doc.title == "Mariage"
    assert doc.sections[0].blocks[0].text == "Ce que j’ai tapé hier."
    assert [s.heading for s in doc.sections] == ["Résumé", "Articles clés", "Recommandations"]


def test_kit_has_objectives_articles_case_quiz_and_key(lib):
    fields = {"titre": "Atelier", "objectifs": "Connaître l’âge légal\nSavoir où porter plainte",
              explanation_field(("un-cde-1989", "1")): "Un enfant, c’est une personne de moins de 18 ans."}
    doc, items = compose_kit(lib, REFS, fields, seed=1)
    assert [s.heading for s in doc.sections] == [
        "Objectifs d’apprentissage", "Articles clés et explication en mots simples", "Étude de cas",
        "Questions de discussion", "Quiz", "Corrigé du quiz"]
    assert doc.sections[0].blocks[0].items == ["Connaître l’âge légal", "Savoir où porter plainte"]
    blocks = doc.sections[1].blocks
    cde = next(i for i, b in enumerate(blocks) if isinstance(b, Quote) and b.citation.startswith("CDE"))
    assert blocks[cde + 1].text == "Un enfant, c’est une personne de moins de 18 ans."
    assert len(items) >= len(REFS)
    key = doc.sections[-1].blocks[0]
    assert [row[1] for row in key.rows] == [i.answer for i in items]


def test_saved_kit_publishes_a_note_that_ingest_reads_as_not_law(lib):
    store = DossierStore(lib)
    store.create("Atelier Ségou")
    for instrument, key, note in REFS:
        store.add("Atelier Ségou", instrument, key, note)
    fields = {"titre": "Le mariage des enfants",
              explanation_field(("mali-code-penal-2024", "327-12")): "Marier une fille de moins de 16 ans est puni.\n"
                                                                     "## Article 99\n<!-- page 3 -->",
              explanation_field(("un-cde-1989", "1")): "Jusqu'à 18 ans, on est un enfant."}
    path = save_kit(lib, "Atelier Ségou", fields, store=store)
    assert path == note_path(lib, "Le mariage des enfants") and path.name == "note-le-mariage-des-enfants.md"
    instrument, articles = parse_markdown(path, "ajout")
    assert instrument.jurisdiction == JURISDICTION and instrument.kind == "note explicative"
    assert instrument.short_title == "Note de formation – Le mariage des enfants"
    assert [a.article for a in articles if a.numbered] == ["327-12", "1"]  # typed headings stay text
    assert "Code pénal (2024), art. 327-12" in articles[0].text and "## Article 99" in articles[0].text
    assert "Jusqu’à 18 ans, on est un enfant." in articles[1].text
    assert any(s.path == path for s in library_sources(lib))  # ingest picks it up from data/ajouts
    assert store.load_draft("Atelier Ségou", "kit").fields == fields
    # no explanation left: the note goes away rather than keep stale text
    assert save_kit(lib, "Atelier Ségou", {"titre": "Le mariage des enfants"}, store=store) is None
    assert not path.exists()


@pytest.mark.parametrize("typed, expected", [
    ('Il a dit "non" !', f"Il a dit «{NNBSP}non{NNBSP}»{NNBSP}!"),
    ("l'enfant ; la loi : quoi ?", f"l’enfant{NNBSP}; la loi{NNBSP}: quoi{NNBSP}?"),
    ("voir http://exemple.org à 10:30", "voir http://exemple.org à 10:30"),
    ("Attendez...", "Attendez…"),
])
def test_french_typography(typed, expected):
    assert french(typed) == expected
    assert french(french(typed)) == expected


def test_french_date():
    assert french_date(date(2026, 11, 29)) == "29 novembre 2026"
    assert french_date("2027-03-01") == "1er mars 2027"


def test_cli_builds_a_dossier_and_exports(lib, monkeypatch, tmp_path):
    from musoya import cli
    from musoya.settings import get_settings

    monkeypatch.setenv("MUSOYA_DATA_DIR", str(lib.data_dir))
    monkeypatch.setenv("MUSOYA_CORPUS_DIR", str(lib.corpus_dir))
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        assert runner.invoke(cli.app, ["dossier", "create", "Mariage"]).exit_code == 0
        result = runner.invoke(cli.app, ["dossier", "add", "Mariage", "mali-code-penal-2024", "327-12",
                                         "--note", "seize ans"])
        assert result.exit_code == 0 and "Code pénal (2024), art. 327-12" in result.output
        result = runner.invoke(cli.app, ["dossier", "add", "Mariage", "un-cde-1989", "999"])
        assert result.exit_code == 2 and "Référence introuvable" in result.output
        result = runner.invoke(cli.app, ["dossier", "show", "Mariage"])
        assert "dont l’un au moins est âgé de moins de seize ans" in result.output and "seize ans" in result.output
        out = tmp_path / "note.md"
        result = runner.invoke(cli.app, ["brief", "--dossier", "Mariage", "--template", "lettre", "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert "Code pénal (2024), art. 327-12" in out.read_text(encoding="utf-8")
        result = runner.invoke(cli.app, ["kit", "--dossier", "Mariage", "--format", "pptx",
                                         "--out", str(tmp_path / "kit.pptx")])
        assert result.exit_code == 0 and (tmp_path / "kit.pptx").stat().st_size > 10_000
        for args, message in [
            (["brief", "--dossier", "Inconnu", "--out", str(out)], "Dossier inconnu"),
            (["brief", "--dossier", "Mariage", "--format", "odt", "--out", str(out)], "Format non pris en charge"),
            (["brief", "--dossier", "Mariage", "--template", "memo", "--out", str(out)], "Modèle inconnu"),
            (["brief", "--out", str(out)], "Indiquez soit --dossier"),
            (["kit", "--dossier", "Mariage", "--format", "md", "--out", str(tmp_path)], "est un dossier"),
        ]:
            result = runner.invoke(cli.app, args)
            assert result.exit_code != 0 and message in result.output, args
            assert "Traceback" not in result.output
    finally:
        get_settings.cache_clear()


@pytest.mark.integration
def test_brief_from_a_question_cites_what_the_search_found(settings, monkeypatch, tmp_path, real_model_path):
    from ingest.index import sync_library
    from ingest.store import open_client
    from musoya import cli
    from musoya.settings import get_settings

    bundle(settings, "un-cde-1989", "un-convention-supplementaire-esclavage-1956")
    settings.model = real_model_path
    client = open_client(settings)
    try:
        assert not sync_library(settings, client, announce=lambda _: None).errors
    finally:
        client.close()
    for name, value in (("DATA_DIR", settings.data_dir), ("CORPUS_DIR", settings.corpus_dir),
                        ("MODEL", real_model_path)):
        monkeypatch.setenv(f"MUSOYA_{name}", str(value))
    get_settings.cache_clear()
    out = tmp_path / "note.md"
    try:
        result = CliRunner().invoke(cli.app, ["brief", "--query", "âge minimum pour le mariage", "--top-k", "3",
                                              "--out", str(out)])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "Convention supplémentaire sur l’esclavage (1956), art. 2" in text
    assert "âges minimums appropriés pour le mariage" in text  # quoted from the corpus
    assert "# Âge minimum pour le mariage" in text
    assert f"«{NNBSP}âge minimum pour le mariage{NNBSP}»" in text
