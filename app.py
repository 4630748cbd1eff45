"""Musoya, the Streamlit front end: thin; the work is done by the `search` and `ingest` packages."""

from __future__ import annotations

import hmac
import html

import streamlit as st

from ingest.index import Index, sync_library
from ingest.model import ModelUnavailable
from ingest.markdown import ParseError
from ingest.sources import add_upload, catalogue
from ingest.store import StoreUnavailable, open_client
from musoya.settings import get_settings
from search.searcher import IndexMissing, QueryError, open_searcher

EXAMPLES = (
    "À quel âge une fille peut-elle être mariée ?",
    "Mes parents veulent me marier de force",
    "On veut exciser ma fille",
    "Mon chef me harcèle au travail",
    "Combien de semaines de congé de maternité ?",
)

STORE = str(get_settings().qdrant_url or get_settings().store_path)

st.set_page_config(page_title="Musoya — textes de loi", page_icon="⚖️", layout="wide")


@st.cache_resource(show_spinner=False)
def client(store: str):
    """Embedded Qdrant locks its folder: one client per folder for the whole app process."""
    return open_client(get_settings())


@st.cache_resource(show_spinner="Chargement du modèle de recherche…")
def searcher(store: str):
    return open_searcher(get_settings(), client(store), announce=lambda _: None)


@st.cache_data(show_spinner=False)
def instruments(corpus: str, index_version: str):
    return [i.to_dict() for i in catalogue(get_settings())]


def build_index() -> None:
    bar = st.progress(0.0, text="Préparation…")

    def progress(done: int, total: int, what: str) -> None:
        bar.progress(min(done / total, 1.0) if total else 0.0, text=f"{what} ({done}/{total})")

    report = sync_library(get_settings(), client(STORE), progress, announce=lambda message: st.info(message))
    bar.empty()
    for name, message in report.errors.items():
        st.warning(f"{name} : {message}")
    st.success(f"Index prêt : {report.instruments} textes, {report.chunks} passages, en {report.seconds:.0f} s.")


def show_hit(rank: int, hit) -> None:
    with st.container(border=True):
        st.markdown(f"**{rank}. {html.escape(hit.citation)}**")
        if hit.hierarchy:
            st.caption(" › ".join(hit.hierarchy))
        # st.html: the verbatim text is escaped and never read as Markdown ("2. " is not a list).
        st.html(f'<div style="white-space: pre-wrap; line-height: 1.5">{html.escape(hit.text)}</div>')


def search_page(catalog: list[dict]) -> None:
    by_id = {i["id"]: i for i in catalog}
    with st.sidebar:
        st.header("Filtres")
        instrument = st.selectbox("Texte", [None, *by_id], format_func=lambda i: "Tous les textes" if i is None
                                  else by_id[i]["short_title"])
        jurisdictions = sorted({i["jurisdiction"] for i in catalog if i["jurisdiction"]})
        jurisdiction = st.selectbox("Origine", [None, *jurisdictions],
                                    format_func=lambda j: "Toutes" if j is None else j)
        kinds = sorted({i["kind"] for i in catalog if i["kind"]})
        kind = st.selectbox("Type de texte", [None, *kinds], format_func=lambda k: "Tous" if k is None else k)
        top_k = st.slider("Nombre d’articles", 3, 20, 8)

    if "question" not in st.session_state:  # a shared link: ?q=…
        st.session_state.question = st.query_params.get("q", "")
    question = st.text_input("Votre question, en français courant", key="question",
                             placeholder="Ex. : mon oncle veut marier ma petite sœur de 14 ans")
    if question:
        st.query_params["q"] = question
    st.caption("Exemples : " + " · ".join(f"« {e} »" for e in EXAMPLES))
    if not question:
        return
    try:
        result = searcher(STORE).search(question, top_k, "hybrid", instrument, jurisdiction, kind)
    except (QueryError, IndexMissing, ModelUnavailable) as exc:
        st.warning(str(exc))
        return
    if not result.hits:
        st.info("Aucun article ne correspond avec ces filtres. Essayez d’élargir les filtres ou de reformuler.")
    st.caption(f"{len(result.hits)} articles, en {result.took_ms:.0f} ms.")
    for rank, hit in enumerate(result.hits, start=1):
        show_hit(rank, hit)


def add_page() -> None:
    st.write("Ajoutez un texte que vous avez (PDF du Journal officiel, document Word, page web, texte) : "
             "il est lu, découpé en articles et consultable aussitôt, marqué comme ajouté par vous.")
    with st.form("ajout", clear_on_submit=False):
        upload = st.file_uploader("Fichier", type=["pdf", "docx", "md", "txt", "html", "htm"])
        title = st.text_input("Titre complet (facultatif : lu dans le document si possible)")
        short_title = st.text_input("Titre court pour les citations (ex. : Code des personnes et de la famille)")
        jurisdiction = st.selectbox("Origine", ["Mali", "Union africaine", "CEDEAO", "Nations Unies", "OIT", "Autre"])
        kind = st.text_input("Type de texte (loi, décret, code, convention…)")
        adopted = st.text_input("Date d’adoption (AAAA-MM-JJ)")
        submitted = st.form_submit_button("Ajouter et indexer", type="primary")
    if not submitted:
        return
    if upload is None:
        st.warning("Choisissez d’abord un fichier.")
        return
    metadata = {"title": title, "short_title": short_title, "jurisdiction": jurisdiction, "kind": kind,
                "adopted": adopted}
    bar = st.progress(0.0, text="Lecture du fichier…")

    def progress(done: int, total: int, what: str) -> None:
        bar.progress(min(done / total, 1.0) if total else 0.0, text=what)

    try:
        source = add_upload(upload.name, upload.getvalue(), get_settings(), metadata, progress)
        report = sync_library(get_settings(), client(STORE), progress, announce=lambda _: None)
    except ParseError as exc:
        bar.empty()
        st.error(f"{upload.name} : {exc}. Rien n’a été ajouté ; l’index existant est intact.")
        return
    bar.empty()
    instruments.clear()
    st.success(f"« {upload.name} » est ajouté ({source.path.name}) et consultable : "
               f"{report.instruments} textes dans l’index.")


def allowed() -> bool:
    """When the office shares the app on its network, a password guards it (never logged)."""
    secret = get_settings().access_password
    if secret is None or st.session_state.get("authorised"):
        return True
    with st.form("acces"):
        typed = st.text_input("Mot de passe d’accès", type="password")
        if st.form_submit_button("Entrer") and hmac.compare_digest(typed.encode(), secret.get_secret_value().encode()):
            st.session_state.authorised = True
            st.rerun()
        elif typed:
            st.error("Mot de passe incorrect.")
    return False


def main() -> None:
    st.title("Musoya")
    if not allowed():
        return
    st.caption("Les textes de loi du Mali et les engagements internationaux qui protègent les femmes et les filles, "
               "cités mot pour mot.")
    try:
        index = Index(get_settings(), client(STORE))
    except StoreUnavailable as exc:
        st.error(str(exc))
        return

    if index.serving() is None:
        st.info("L’index de recherche n’est pas encore construit. Il faut le faire une fois (quelques minutes).")
        if st.button("Construire l’index maintenant", type="primary"):
            try:
                build_index()
            except ModelUnavailable as exc:
                st.error(str(exc))
        return

    search_tab, add_tab = st.tabs(["Rechercher", "Ajouter des textes"])
    with search_tab:
        search_page(instruments(str(get_settings().corpus_dir), index.serving()))
    with add_tab:
        add_page()


main()
