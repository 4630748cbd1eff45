"""The first app screen, driven by Streamlit's AppTest against a real (fake-embedded) index."""

import html

import pytest
from streamlit.testing.v1 import AppTest

from conftest import FakeDocumentEmbedder, FakeTextEmbedder, bundle
from briefs.dossiers import DossierStore
from ingest.index import Index
from ingest.sources import library, read
from ingest.store import open_client
from musoya.settings import ROOT, get_settings


@pytest.fixture
def app_env(monkeypatch, settings):
    monkeypatch.setenv("MUSOYA_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("MUSOYA_CORPUS_DIR", str(settings.corpus_dir))
    get_settings.cache_clear()
    yield settings
    get_settings.cache_clear()


def run_app(query: dict | None = None, **state):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    for key, value in state.items():
        at.session_state[key] = value
    return at.run()


def build(settings, *stems):
    bundle(settings, *stems)
    client = open_client(settings)
    Index(settings, client).sync(library(settings), FakeDocumentEmbedder)
    client.close()


def test_without_an_index_the_app_offers_to_build_it(app_env):
    at = run_app()
    assert not at.exception
    assert "pas encore construit" in at.info[0].value
    assert at.button[0].label == "Construire l’index maintenant"


@pytest.fixture
def fake_model(monkeypatch):
    """The fake embedder, and a judge that lets every question through (its calibration is the real model's)."""
    monkeypatch.setattr("ingest.embedders.text_embedder", lambda *a, **k: FakeTextEmbedder())
    monkeypatch.setattr("search.answerability.Judge.answered", lambda self, signals: True)


def test_a_question_shows_verbatim_articles_with_citations(app_env, fake_model):
    build(app_env, "un-cedef-1979", "oit-c183-protection-maternite-2000")
    at = run_app(question="congé de maternité <script>alert(1)</script>")
    assert not at.exception, at.exception
    texts = " ".join(m.value for m in at.markdown)
    assert "OIT C183 (protection de la maternité), art." in texts
    assert "<script>" not in texts
    articles = [h.proto.body for h in at.get("html")]
    assert articles and all("<script>" not in body for body in articles)
    assert any("congé de maternité" in body for body in articles)
    assert at.sidebar.selectbox[0].options[0] == "Tous les thèmes"
    assert at.sidebar.selectbox[1].options[0] == "Tous les textes"
    links = [m.value for m in at.markdown if "Lire dans le texte" in m.value]
    assert links and "page=parcourir" in links[0] and "texte=oit-c183-protection-maternite-2000" in links[0]


def test_the_lock_held_elsewhere_is_explained(app_env):
    holder = open_client(app_env)
    try:
        at = run_app()
    finally:
        holder.close()
    assert not at.exception
    assert "déjà ouvert par un autre programme" in at.error[0].value


def test_the_add_page_asks_for_a_file_first(app_env):
    build(app_env, "oit-c100-egalite-remuneration-1951")
    at = run_app({"page": "ajouter"})
    assert at.sidebar.radio[0].value == "ajouter"
    submit = next(b for b in at.button if b.label == "Ajouter et indexer")
    at = submit.click().run()
    assert not at.exception
    assert any("Choisissez d’abord un fichier" in w.value for w in at.warning)


def test_a_shared_app_asks_for_its_password(app_env, monkeypatch):
    monkeypatch.setenv("MUSOYA_ACCESS_PASSWORD", "bamako-2026")
    get_settings.cache_clear()
    at = run_app()
    assert not at.exception
    assert at.text_input[0].label == "Mot de passe d’accès"
    assert not at.sidebar.radio and not at.info, "nothing of the library shows before the password"
    at.text_input[0].input("mauvais")
    at = at.button[0].click().run()
    assert any("Mot de passe incorrect" in e.value for e in at.error)
    at.text_input[0].input("bamako-2026")
    at = at.button[0].click().run()
    assert not at.exception
    assert "pas encore construit" in at.info[0].value


def test_a_deep_link_opens_an_article_in_its_text_with_provenance(app_env):
    build(app_env, "un-cedef-1979", "mali-constitution-2023")
    at = run_app({"page": "parcourir", "texte": "un-cedef-1979", "article": "16"})
    assert not at.exception, at.exception
    headings = " ".join(m.value for m in at.markdown)
    assert "**CEDEF (CEDAW), art. 16**" in headings
    assert "**CEDEF (CEDAW), art. 15**" in headings and "**CEDEF (CEDAW), art. 17**" in headings
    bodies = " ".join(h.proto.body for h in at.get("html"))
    assert "a) le même droit de contracter mariage;" in bodies
    assert "Fedlex" in headings, "the provenance is visible"
    assert any("article=1" in m.value and "Première partie" in m.value for m in at.markdown), "table of contents"
    assert at.query_params["article"] == "16"


def test_an_answer_card_highlights_and_links_and_fills_a_dossier_that_survives_a_reload(app_env, fake_model):
    build(app_env, "un-cedef-1979", "mali-code-penal-2024")
    DossierStore(app_env).create("Mariage des enfants")
    at = run_app(question="célébrer le mariage d’un enfant de moins de dix-huit ans")
    assert not at.exception, at.exception
    bodies = " ".join(h.proto.body for h in at.get("html"))
    assert "<mark" in bodies, "the answering sentences are highlighted"
    texts = " ".join(m.value for m in at.markdown)
    assert "Ce que disent les engagements internationaux" in texts and "CEDEF" in texts
    # the linked provision itself, verbatim, one click away, and into the dossier from there
    linked = next(e for e in at.expander if e.label == "Texte de CEDEF (CEDAW), art. 16, mot pour mot")
    article = next(a for a in read(next(s for s in library(app_env) if s.instrument_id == "un-cedef-1979"))[1]
                   if a.key == "16")
    assert html.escape(article.text) in " ".join(h.proto.body for h in linked.get("html"))
    at = linked.button[0].click().run()
    assert not at.exception, at.exception
    held = {(e.instrument, e.key) for e in DossierStore(app_env).entries("Mariage des enfants")}
    assert ("un-cedef-1979", "16") in held
    labels = [b.label for b in at.button]
    add = next((b for b in at.button if b.label == "Ajouter au dossier « Mariage des enfants »"), None)
    assert add is not None, labels
    at = add.click().run()
    assert not at.exception, at.exception
    entries = DossierStore(app_env).entries("Mariage des enfants")
    assert entries
    # a new session (the browser closed and reopened) finds the dossier and writes a note in it
    at = run_app({"page": "dossiers"})
    assert not at.exception, at.exception
    note = next(t for t in at.text_area if t.label == "Ma note sur cet article")
    at = note.input("À citer devant le préfet <b>vite</b>").run()
    assert DossierStore(app_env).entries("Mariage des enfants")[0].note == "À citer devant le préfet <b>vite</b>"
    at = run_app({"page": "dossiers"})
    assert next(t for t in at.text_area if t.label == "Ma note sur cet article").value.startswith("À citer")


def test_the_write_page_keeps_the_draft_and_exports_a_brief(app_env, fake_model):
    build(app_env, "un-cedef-1979")
    store = DossierStore(app_env)
    store.create("Égalité")
    store.add("Égalité", "un-cedef-1979", "16")
    at = run_app({"page": "rediger"})
    assert not at.exception, at.exception
    summary = next(t for t in at.text_area if t.label == "Résumé")
    at = summary.input("Le mariage forcé persiste.").run()
    assert store.load_draft("Égalité", "note").fields["resume"] == "Le mariage forcé persiste."
    at = run_app({"page": "rediger"})  # reopened: the text is still there
    assert next(t for t in at.text_area if t.label == "Résumé").value == "Le mariage forcé persiste."
    at.radio(key="fmt-note").set_value("md")
    at = next(b for b in at.button if b.label == "Préparer le document").click().run()
    assert not at.exception, at.exception
    fmt, data = at.session_state["export-note"]
    text = data.decode("utf-8")
    assert fmt == "md" and "CEDEF" in text and "art. 16" in text and "Le mariage forcé persiste." in text


def test_the_compare_page_shows_reviewed_links_and_what_the_corpus_lacks(app_env, fake_model):
    build(app_env, "un-cedef-1979", "mali-code-penal-2024")
    at = run_app({"page": "comparer"})
    assert not at.exception, at.exception
    at = at.selectbox[0].set_value("mariage-enfant").run()
    table = " ".join(m.value for m in at.markdown)
    assert "| Loi malienne | Engagement international |" in table and "art. 327-12" in table
    at = at.selectbox[0].set_value("famille-succession").run()
    assert any("absent du corpus" in w.value for w in at.warning)


def test_a_question_ruled_by_a_missing_text_names_that_text(app_env, fake_model):
    build(app_env, "un-cedef-1979", "mali-code-penal-2024")
    at = run_app(question="Combien de parts d’héritage revient à une fille quand son père meurt ?")
    assert not at.exception, at.exception
    assert "Code des personnes et de la famille" in at.info[0].value
    assert not at.get("html"), "no article is shown as an answer"


def test_a_configured_explanation_shows_only_its_verified_sentences(app_env, fake_model, fake_llm, monkeypatch):
    build(app_env, "mali-code-penal-2024")
    fake_llm.reply = ("Le mariage d’une personne de moins de seize ans est un mariage d’enfant "
                      "[Code pénal 2024, art. 327-12]. La peine est de 12 ans de prison [Code pénal 2024, art. 327-12].")
    monkeypatch.setenv("MUSOYA_LLM_URL", f"http://127.0.0.1:{fake_llm.server_address[1]}/v1")
    get_settings.cache_clear()
    at = run_app(question="célébrer le mariage d’un enfant de moins de seize ans")
    assert not at.exception, at.exception
    shown = " ".join(i.value for i in at.info)
    assert "mariage d’enfant [Code pénal 2024, art. 327-12]" in shown
    assert "12 ans" not in shown, "a number the article does not print is removed"
    assert any("retirée" in c.value for c in at.caption)
    assert at.get("html"), "the verbatim articles stay below"
