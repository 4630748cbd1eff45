"""The first app screen, driven by Streamlit's AppTest against a real (fake-embedded) index."""

import pytest
from streamlit.testing.v1 import AppTest

from conftest import FakeDocumentEmbedder, FakeTextEmbedder, bundle
from ingest.index import Index
from ingest.sources import library
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


def test_a_question_shows_verbatim_articles_with_citations(app_env, monkeypatch):
    build(app_env, "un-cedef-1979", "oit-c183-protection-maternite-2000")
    monkeypatch.setattr("ingest.embedders.text_embedder", lambda *a, **k: FakeTextEmbedder())
    at = run_app(question="congé de maternité <script>alert(1)</script>")
    assert not at.exception, at.exception
    texts = " ".join(m.value for m in at.markdown)
    assert "OIT C183 (protection de la maternité), art." in texts
    assert "<script>" not in texts
    articles = [h.proto.body for h in at.get("html")]
    assert articles and all("<script>" not in body for body in articles)
    assert any("congé de maternité" in body for body in articles)
    assert at.sidebar.selectbox[0].options[0] == "Tous les textes"
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
