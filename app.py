"""Musoya, the Streamlit front end: thin; the work is done by the `search` and `ingest` packages."""

from __future__ import annotations

import hmac
import html
from urllib.parse import urlencode

import streamlit as st

from ingest.index import Index, sync_library
from ingest.model import ModelUnavailable
from ingest.markdown import ParseError
from ingest.records import Article
from ingest.sources import add_upload, catalogue
from ingest.store import StoreUnavailable, open_client
from musoya.settings import get_settings
from search.reading import around, open_instrument, table_of_contents
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


def verbatim(text: str) -> None:
    # st.html: the verbatim text is escaped and never read as Markdown ("2. " is not a list).
    st.html(f'<div style="white-space: pre-wrap; line-height: 1.5">{html.escape(text)}</div>')


def reading_link(instrument: str, key: str) -> str:
    return "?" + urlencode({"page": "parcourir", "texte": instrument, "article": key})


def show_hit(rank: int, hit) -> None:
    with st.container(border=True):
        st.markdown(f"**{rank}. {html.escape(hit.citation)}**")
        if hit.hierarchy:
            st.caption(" › ".join(hit.hierarchy))
        verbatim(hit.text)
        st.markdown(f"[Lire dans le texte]({reading_link(hit.instrument, hit.key)})")


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


@st.cache_data(show_spinner=False)
def instrument_text(instrument_id: str, version: str):
    instrument, articles = open_instrument(get_settings(), instrument_id)
    return instrument.to_dict(), [a.to_dict() for a in articles]


def browse_page(catalog: list[dict], version: str) -> None:
    by_id = {i["id"]: i for i in catalog}
    wanted = st.query_params.get("texte")
    ids = list(by_id)
    chosen = st.selectbox("Texte", ids, index=ids.index(wanted) if wanted in by_id else 0,
                          format_func=lambda i: by_id[i]["short_title"] + (" (ajouté)" if by_id[i]["origin"] != "corpus" else ""))
    meta, articles = instrument_text(chosen, version)
    st.subheader(meta["title"])
    facts = [meta["jurisdiction"], meta["kind"], f"adopté le {meta['adopted']}" if meta["adopted"] else ""]
    st.caption(" · ".join(f for f in facts if f))
    with st.expander("Provenance du texte"):
        st.markdown(f"**Référence** : {html.escape(meta['reference'] or '—')}")
        st.markdown(f"**Source** : {html.escape(meta['source'] or '—')}")
        st.markdown(f"**Complétude** : {html.escape(meta['completeness'] or '—')}")
    keys = [a["key"] for a in articles]
    labels = {a["key"]: Article(**a).label() for a in articles}
    asked = st.query_params.get("article")
    key = st.selectbox("Article", keys, index=keys.index(asked) if asked in keys else 0,
                       format_func=lambda k: labels[k])
    st.query_params.update({"page": "parcourir", "texte": chosen, "article": key})
    units = [Article(**a) for a in articles]
    for unit in around(units, key):
        with st.container(border=unit.key == key):
            st.markdown(f"**{html.escape(meta['short_title'])}, {html.escape(unit.label())}**"
                        + (f" — p. {', '.join(map(str, unit.pages))}" if unit.pages else ""))
            if unit.hierarchy:
                st.caption(" › ".join(unit.hierarchy))
            verbatim(unit.text)
    with st.expander("Table des matières"):
        for path, first in table_of_contents(units):
            title = path[-1] if path else "Dispositions"
            indent = " " * max(len(path) - 1, 0)
            st.markdown(f"{indent}[{html.escape(title)}]({reading_link(chosen, first.key)})")


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

    pages = {"rechercher": "Rechercher", "parcourir": "Parcourir les textes", "ajouter": "Ajouter des textes"}
    names = list(pages)
    asked = st.query_params.get("page")
    page = st.sidebar.radio("Page", names, index=names.index(asked) if asked in pages else 0,
                            format_func=pages.get, key="page")
    st.query_params["page"] = page
    catalog = instruments(str(get_settings().corpus_dir), index.serving())
    if page == "rechercher":
        search_page(catalog)
    elif page == "parcourir":
        browse_page(catalog, index.serving())
    else:
        add_page()


main()
