"""Musoya, the Streamlit front end: thin; the work is done by `briefs`, `search` and `ingest`."""

from __future__ import annotations

import hmac
import html
import tempfile
from pathlib import Path
from urllib.parse import urlencode

import streamlit as st

from briefs.compose import KIT_TEMPLATE, TEMPLATES, compose_dossier_brief, compose_dossier_kit, explanation_field, fields_for
from briefs.dossiers import DossierStore
from briefs.notes import save_kit
from briefs.references import Library
from briefs.writers import LABELS, export
from ingest.index import Index, sync_library
from ingest.markdown import ParseError
from ingest.model import ModelUnavailable
from ingest.records import Article
from ingest.sources import add_upload, catalogue
from ingest.store import StoreUnavailable, open_client
from ingest.themes import load_themes
from musoya.settings import get_settings
from search.answer import open_answerer
from search.crossrefs import load_crossrefs
from search.reading import around, open_instrument, table_of_contents
from search.searcher import IndexMissing, QueryError

EXAMPLES = (
    "Mon oncle veut marier ma petite sœur de 14 ans",
    "Mes parents veulent me marier de force",
    "On veut exciser ma fille",
    "Mon chef me harcèle au travail",
    "On m’a renvoyée parce que j’étais enceinte",
)
PAGES = {"rechercher": "Rechercher", "parcourir": "Parcourir les textes", "dossiers": "Mes dossiers",
         "rediger": "Rédiger", "comparer": "Comparer", "ajouter": "Ajouter des textes"}
MIME = {"pdf": "application/pdf", "md": "text/markdown",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation"}

STORE = str(get_settings().qdrant_url or get_settings().store_path)

st.set_page_config(page_title="Musoya — textes de loi", page_icon="⚖️", layout="wide")


# ---------------------------------------------------------------- shared resources


@st.cache_resource(show_spinner=False)
def client(store: str):
    """Embedded Qdrant locks its folder: one client per folder for the whole app process."""
    return open_client(get_settings())


@st.cache_resource(show_spinner="Chargement du modèle de recherche…")
def answerer(store: str):
    return open_answerer(get_settings(), client(store), announce=lambda _: None)


@st.cache_resource(show_spinner=False)
def explainer(url: str, model: str):  # url and model: a new client when the settings change
    from search.explanation import Explainer

    return Explainer.from_settings(get_settings())


@st.cache_data(show_spinner=False, ttl=3600)
def explanation_of(question: str, keys: tuple, _articles: list):
    """Asked once per question and articles: a rerun (a click) does not call the model again."""
    from search.explanation import explain

    settings = get_settings()
    return explain(question, _articles, settings, explainer(settings.llm_url, settings.llm_model))


@st.cache_resource(show_spinner=False)
def _dossiers(data_dir: str) -> DossierStore:
    return DossierStore(get_settings())


def dossiers() -> DossierStore:
    """The advocates' dossiers, in SQLite under the data folder (one store per folder)."""
    return _dossiers(str(get_settings().data_dir))


@st.cache_data(show_spinner=False)
def instruments(corpus: str, index_version: str):
    return [i.to_dict() for i in catalogue(get_settings())]


@st.cache_data(show_spinner=False)
def themes(path: str):
    return {t.id: t for t in load_themes(Path(path))} if Path(path).is_file() else {}


@st.cache_data(show_spinner=False)
def instrument_text(instrument_id: str, version: str):
    instrument, articles = open_instrument(get_settings(), instrument_id)
    return instrument.to_dict(), [a.to_dict() for a in articles]


@st.cache_resource(show_spinner=False)
def article_texts(instrument_id: str, version: str) -> dict[str, str]:
    """Each article's verbatim text by key, as « Parcourir » reads it; shared, never modified."""
    return {a.key: a.text for a in open_instrument(get_settings(), instrument_id)[1]}


def build_index() -> None:
    bar = st.progress(0.0, text="Préparation…")

    def progress(done: int, total: int, what: str) -> None:
        bar.progress(min(done / total, 1.0) if total else 0.0, text=f"{what} ({done}/{total})")

    report = sync_library(get_settings(), client(STORE), progress, announce=lambda message: st.info(message))
    bar.empty()
    for name, message in report.errors.items():
        st.warning(f"{name} : {message}")
    st.success(f"Index prêt : {report.instruments} textes, {report.chunks} passages, en {report.seconds:.0f} s.")


# ---------------------------------------------------------------- small views


def verbatim(text: str, highlights: list[list[int]] | None = None) -> None:
    """The article exactly as in the corpus; highlighted sentences marked, everything escaped.

    st.html, not Markdown: "2. " in a law is not a list, and « <script> » stays text.
    """
    parts, cursor = [], 0
    for start, end in highlights or []:
        parts += [html.escape(text[cursor:start]),
                  f'<mark style="background:#fde68a">{html.escape(text[start:end])}</mark>']
        cursor = end
    parts.append(html.escape(text[cursor:]))
    st.html(f'<div style="white-space: pre-wrap; line-height: 1.5">{"".join(parts)}</div>')


def reading_link(instrument: str, key: str) -> str:
    return "?" + urlencode({"page": "parcourir", "texte": instrument, "article": key})


def active_dossier() -> str | None:
    """The dossier that « Ajouter au dossier » fills, chosen once in the sidebar."""
    names = dossiers().names()
    if "dossier_next" in st.session_state:  # set by a create/rename/delete, before the widget exists
        wanted = st.session_state.pop("dossier_next")
        if wanted in names:
            st.session_state.dossier = wanted
        else:
            st.session_state.pop("dossier", None)
    with st.sidebar:
        st.divider()
        if not names:
            st.caption("Aucun dossier : créez-en un pour y rassembler des articles.")
        chosen = st.selectbox("Dossier actif", names, key="dossier") if names else None
        with st.popover("Nouveau dossier"):
            with st.form("nouveau-dossier", clear_on_submit=True):
                name = st.text_input("Nom du dossier", placeholder="Ex. : Mariage des enfants — Mopti")
                if st.form_submit_button("Créer"):
                    try:
                        st.session_state.dossier_next = dossiers().create(name)
                        st.rerun()
                    except ValueError as exc:
                        st.error(str(exc))
    return chosen


def add_to_dossier_button(dossier: str | None, instrument: str, key: str, where: str) -> None:
    if dossier is None:
        st.caption("Créez un dossier (barre latérale) pour y garder cet article.")
        return
    held = {(e.instrument, e.key) for e in dossiers().entries(dossier)}
    if (instrument, key) in held:
        st.caption(f"✓ Dans le dossier « {dossier} »")
    elif st.button(f"Ajouter au dossier « {dossier} »", key=f"add-{where}-{instrument}-{key}"):
        dossiers().add(dossier, instrument, key)
        st.toast(f"Ajouté au dossier « {dossier} ».")
        st.rerun()


def theme_labels(ids: list[str]) -> str:
    known = themes(str(get_settings().themes))
    return ", ".join(known[t].label for t in ids if t in known)


# ---------------------------------------------------------------- Rechercher


def article_text(instrument: str, key: str, version: str) -> str | None:
    """A linked article's text (None if its instrument cannot be read)."""
    try:
        return article_texts(instrument, version).get(key)
    except (KeyError, ParseError, OSError):
        return None


def show_card_article(rank: int, item, dossier: str | None, version: str) -> None:
    hit = item.hit
    with st.container(border=True):
        st.markdown(f"**{rank}. {html.escape(hit.citation)}**")
        caption = " › ".join(hit.hierarchy)
        if hit.themes:
            more = " …" if len(hit.themes) > 3 else ""
            caption += ("  ·  " if caption else "") + "Thèmes : " + theme_labels(hit.themes[:3]) + more
        if caption:
            st.caption(caption)
        verbatim(hit.text, item.highlights)
        links = [r for r in item.related if r["reviewed"]]
        see_also = [r for r in item.related if not r["reviewed"]]
        if links:
            heading = ("Ce que disent les engagements internationaux" if hit.jurisdiction == "Mali"
                       else "Ce que dit la loi malienne")
            st.markdown(f"**{heading}**")
            for n, r in enumerate(links):
                st.markdown(f"- [{html.escape(r['short_title'])}, art. {html.escape(r['article'])}]"
                            f"({reading_link(r['instrument'], r['article'])}) — *{html.escape(r['relation'])}*"
                            + (f" : {html.escape(r['note'])}" if r["note"] else ""))
                text = article_text(r["instrument"], r["article"], version)
                if text:  # the note is the curators' summary; the article itself, to quote
                    with st.expander(f"Texte de {r['short_title']}, art. {r['article']}, mot pour mot"):
                        verbatim(text)
                        add_to_dossier_button(dossier, r["instrument"], r["article"], f"lien-{rank}-{n}")
        if see_also:
            st.caption("Voir aussi (liens non encore vérifiés) : " + " · ".join(
                f"{r['short_title']}, art. {r['article']}" for r in see_also))
        left, right = st.columns([1, 2])
        left.markdown(f"[Lire dans le texte]({reading_link(hit.instrument, hit.key)})")
        with right:
            add_to_dossier_button(dossier, hit.instrument, hit.key, "recherche")


def search_page(catalog: list[dict], version: str, dossier: str | None) -> None:
    by_id = {i["id"]: i for i in catalog}
    known = themes(str(get_settings().themes))
    with st.sidebar:
        st.header("Filtres")
        theme = st.selectbox("Thème", [None, *known], format_func=lambda t: "Tous les thèmes" if t is None
                             else known[t].label)
        instrument = st.selectbox("Texte", [None, *by_id], format_func=lambda i: "Tous les textes" if i is None
                                  else by_id[i]["short_title"])
        jurisdictions = sorted({i["jurisdiction"] for i in catalog if i["jurisdiction"]})
        jurisdiction = st.selectbox("Origine", [None, *jurisdictions],
                                    format_func=lambda j: "Toutes" if j is None else j)

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
        card = answerer(STORE).ask(question, instrument=instrument, jurisdiction=jurisdiction, theme=theme)
    except (QueryError, IndexMissing, ModelUnavailable) as exc:
        st.warning(str(exc))
        return
    if not card.answered:
        if card.missing:
            st.info("Le corpus ne contient pas le texte qui répond à cette question.\n\n"
                    + "\n".join(f"- {m.message}" for m in card.missing))
        else:
            st.info("Le corpus ne semble pas répondre directement à cette question : elle porte peut-être sur une "
                    "démarche, un délai ou un coût que règlent des textes absents du corpus (Code des personnes et "
                    "de la famille, Code du travail, textes fonciers). Vérifiez si les articles les plus proches, "
                    "ci-dessous, répondent ; sinon, dites ce qui s’est passé avec d’autres mots (qui, quel âge, "
                    "quoi), ou choisissez un thème dans les filtres.")
        if card.themes:
            st.caption("Thèmes proches : " + theme_labels(card.themes))
        # A text known to be missing: the neighbours would mislead. A doubt of the judge only:
        # they are shown, labelled, so that a wrong guess never hides the law.
        if st.toggle("Montrer quand même les articles les plus proches (ils ne répondent pas forcément)",
                     value=not card.missing):
            result = answerer(STORE).searcher.search(question, 5, "hybrid", instrument, jurisdiction, None, theme)
            for rank, hit in enumerate(result.hits, start=1):
                with st.container(border=True):
                    st.markdown(f"{rank}. {html.escape(hit.citation)}")
                    verbatim(hit.text)
        return
    summary = f"{len(card.articles)} articles, en {card.took_ms:.0f} ms."
    if card.themes:
        summary += " Thèmes : " + theme_labels(card.themes) + "."
    if card.added_terms:
        summary += " Cherché aussi : " + ", ".join(card.added_terms) + "."
    st.caption(summary)
    if get_settings().llm_url:
        with st.spinner("Explication en cours…"):
            explanation = explanation_of(card.query, tuple((a.hit.instrument, a.hit.key) for a in card.articles),
                                         card.articles)
        if explanation and explanation.shown:
            st.info("**En bref** (explication automatique vérifiée sur les articles cités ; seuls les articles "
                    "font foi)\n\n" + html.escape(explanation.text).replace("$", "\\$"))
            if explanation.removed:
                st.caption(f"{explanation.removed} phrase(s) non vérifiable(s) retirée(s).")
        elif explanation and explanation.error:
            st.caption(explanation.error)
    for rank, item in enumerate(card.articles, start=1):
        show_card_article(rank, item, dossier, version)


# ---------------------------------------------------------------- Parcourir


def browse_page(catalog: list[dict], version: str, dossier: str | None) -> None:
    by_id = {i["id"]: i for i in catalog}
    wanted = st.query_params.get("texte")
    ids = list(by_id)
    chosen = st.selectbox("Texte", ids, index=ids.index(wanted) if wanted in by_id else 0,
                          format_func=lambda i: by_id[i]["short_title"] + (" (ajouté)" if by_id[i]["origin"] != "corpus" else ""))
    meta, articles = instrument_text(chosen, version)
    st.subheader(meta["title"])
    facts = [meta["jurisdiction"], meta["kind"], f"adopté le {meta['adopted']}" if meta["adopted"] else ""]
    st.caption(" · ".join(f for f in facts if f))
    if meta["kind"] == "note explicative":
        st.warning("Note de formation écrite par une formatrice : ce n’est pas un texte de loi.")
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
            if unit.key == key:
                add_to_dossier_button(dossier, chosen, unit.key, "lecture")
    with st.expander("Table des matières"):
        for path, first in table_of_contents(units):
            title = path[-1] if path else "Dispositions"
            indent = " " * max(len(path) - 1, 0)
            st.markdown(f"{indent}[{html.escape(title)}]({reading_link(chosen, first.key)})")


# ---------------------------------------------------------------- Mes dossiers


def dossier_page(dossier: str | None) -> None:
    store = dossiers()
    if dossier is None:
        st.info("Créez un dossier dans la barre latérale (« Nouveau dossier »), puis ajoutez-y des articles "
                "depuis « Rechercher » ou « Parcourir les textes ». Tout est enregistré sur cet ordinateur.")
        return
    st.subheader(f"Dossier « {dossier} »")
    entries = store.entries(dossier)
    if not entries:
        st.info("Ce dossier est vide : ajoutez des articles depuis « Rechercher » ou « Parcourir les textes ».")
    library = Library(get_settings())
    for n, entry in enumerate(entries):
        cited = library.resolve(entry.instrument, entry.key, entry.note)
        with st.container(border=True):
            if not hasattr(cited, "text"):
                st.warning(f"{entry.instrument}, art. {entry.key} : {cited.reason}.")
            else:
                st.markdown(f"**{html.escape(cited.citation)}**")
                with st.expander("Texte de l’article"):
                    verbatim(cited.text)
            slot = f"note-{dossier}-{entry.instrument}-{entry.key}"
            st.text_area("Ma note sur cet article", value=entry.note, key=slot,
                         on_change=lambda e=entry, s=slot: store.set_note(dossier, e.instrument, e.key,
                                                                         st.session_state[s]))
            up, down, remove, _ = st.columns([1, 1, 1, 4])
            if up.button("↑ Monter", key=f"up-{slot}", disabled=n == 0):
                store.move(dossier, entry.instrument, entry.key, n - 1)
                st.rerun()
            if down.button("↓ Descendre", key=f"down-{slot}", disabled=n == len(entries) - 1):
                store.move(dossier, entry.instrument, entry.key, n + 1)
                st.rerun()
            if remove.button("Retirer", key=f"rm-{slot}"):
                store.remove(dossier, entry.instrument, entry.key)
                st.rerun()
    with st.expander("Renommer ou supprimer ce dossier"):
        new = st.text_input("Nouveau nom", value=dossier, key="rename")
        if st.button("Renommer") and new != dossier:
            try:
                st.session_state.dossier_next = store.rename(dossier, new)
                st.rerun()
            except ValueError as exc:
                st.error(str(exc))
        if st.checkbox("Je veux supprimer ce dossier et ses notes") and st.button("Supprimer", type="primary"):
            store.delete(dossier)
            st.session_state.dossier_next = None
            st.rerun()


# ---------------------------------------------------------------- Rédiger


def draft_fields(dossier: str, kind: str, template: str, extra: list[tuple[str, str]]) -> None:
    """The editable sections; every change is saved at once (nothing lost if the browser closes)."""
    store = dossiers()
    draft = store.load_draft(dossier, kind)
    saved = dict(draft.fields) if draft else {}

    def save(name: str, slot: str) -> None:
        current = store.load_draft(dossier, kind)
        fields = dict(current.fields) if current else {}
        fields[name] = st.session_state[slot]
        store.save_draft(dossier, kind, template, fields)

    specs = [(f.name, f.label, f.default, f.multiline) for f in fields_for(kind, template)]
    specs += [(name, label, "", True) for name, label in extra]
    for name, label, default, multiline in specs:
        slot = f"draft-{dossier}-{kind}-{name}"
        widget = st.text_area if multiline else st.text_input
        widget(label, value=saved.get(name, default), key=slot, on_change=save, args=(name, slot))
    if draft is None or draft.template != template:
        store.save_draft(dossier, kind, template, saved)


def export_buttons(dossier: str, kind: str, formats: tuple[str, ...], compose) -> None:
    fmt = st.radio("Format", formats, format_func=LABELS.get, horizontal=True, key=f"fmt-{kind}")
    if st.button("Préparer le document", type="primary", key=f"prepare-{kind}"):
        with st.spinner("Mise en page du document…"):
            folder = get_settings().data_dir / "exports"
            folder.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(dir=folder) as tmp:
                path = export(compose(), Path(tmp) / f"document.{fmt}", fmt)
                st.session_state[f"export-{kind}"] = (fmt, path.read_bytes())
    ready = st.session_state.get(f"export-{kind}")
    if ready:
        fmt, data = ready
        name = f"{dossier} — {'note de plaidoyer' if kind == 'note' else 'kit d’atelier'}.{fmt}"
        st.download_button(f"Télécharger ({LABELS[fmt]})", data, file_name=name, mime=MIME[fmt])


def write_page(dossier: str | None) -> None:
    if dossier is None:
        st.info("Choisissez ou créez d’abord un dossier (barre latérale) et ajoutez-y des articles.")
        return
    settings = get_settings()
    kind = st.radio("Que voulez-vous préparer ?", ["note", KIT_TEMPLATE], horizontal=True,
                    format_func={"note": "Note de plaidoyer", KIT_TEMPLATE: "Kit d’atelier"}.get)
    entries = dossiers().entries(dossier)
    st.caption(f"Dossier « {dossier} » : {len(entries)} articles, cités mot pour mot dans le document. "
               "Ce que vous écrivez ici est enregistré à chaque modification.")
    if kind == "note":
        draft = dossiers().load_draft(dossier, "note")
        names = list(TEMPLATES)
        template = st.selectbox("Modèle", names, format_func=TEMPLATES.get,
                                index=names.index(draft.template) if draft and draft.template in names else 1)
        draft_fields(dossier, "note", template, [])
        export_buttons(dossier, "note", ("docx", "pdf", "md"),
                       lambda: compose_dossier_brief(settings, dossier, template))
        return
    library = Library(settings)
    extra = []
    for entry in entries:
        cited = library.resolve(entry.instrument, entry.key)
        if hasattr(cited, "citation"):
            extra.append((explanation_field(cited), f"Explication en mots simples — {cited.citation}"))
    draft_fields(dossier, KIT_TEMPLATE, KIT_TEMPLATE, extra)
    export_buttons(dossier, KIT_TEMPLATE, ("docx", "pdf", "pptx", "md"),
                   lambda: compose_dossier_kit(settings, dossier)[0])
    if st.button("Publier les explications dans la recherche (marquées « pas un texte de loi »)"):
        draft = dossiers().load_draft(dossier, KIT_TEMPLATE)
        with st.spinner("Indexation des explications…"):
            path = save_kit(settings, dossier, draft.fields if draft else {}, dossiers())
            if path:
                sync_library(settings, client(STORE), announce=lambda _: None)
                instruments.clear()
        st.success("Explications publiées : elles apparaissent dans la recherche comme notes de formation."
                   if path else "Aucune explication écrite pour l’instant.")


# ---------------------------------------------------------------- Comparer


@st.cache_data(show_spinner=False)
def coverage(version: str) -> list[dict]:
    """Articles per theme and instrument, from the themes recorded in the index."""
    counts: dict[tuple[str, str], int] = {}
    offset = None
    while True:
        points, offset = client(STORE).scroll(get_settings().collection, limit=1024, offset=offset,
                                              with_payload=["meta.themes", "meta.short_title", "meta.chunk"])
        for point in points:
            meta = point.payload.get("meta", {})
            if meta.get("chunk", 0) == 0:
                for theme in meta.get("themes") or []:
                    key = (theme, meta.get("short_title", ""))
                    counts[key] = counts.get(key, 0) + 1
        if offset is None:
            break
    return [{"thème": t, "texte": i, "articles": n} for (t, i), n in counts.items()]


def compare_page(version: str) -> None:
    settings = get_settings()
    known = themes(str(settings.themes))
    if not known or not settings.crossrefs.is_file():
        st.info("Les thèmes et les correspondances ne sont pas disponibles.")
        return
    theme = st.selectbox("Thème", list(known), format_func=lambda t: known[t].label)
    table = load_crossrefs(settings.crossrefs).gaps(theme, list(known.values()))
    titles = {i["id"]: i["short_title"] for i in instruments(str(settings.corpus_dir), version)}

    def cite(ref: str) -> str:
        instrument, key = ref.split(":", 1)
        return f"[{titles.get(instrument, instrument)}, art. {key}]({reading_link(instrument, key)})"

    st.subheader(f"Loi malienne et engagements internationaux — {table.label}")
    if table.missing:
        st.warning(f"Texte national absent du corpus : {table.missing}")
    if table.rows:
        st.markdown(table.markdown(cite, html.escape), unsafe_allow_html=True)
        st.caption("Seules les correspondances vérifiées par l’équipe sont montrées. "
                   "« en deçà de » : la loi malienne protège moins que l’engagement international.")
    else:
        st.info("Aucune correspondance vérifiée pour ce thème.")
    st.subheader("Couverture : articles par thème et par texte")
    rows = coverage(version)
    if rows:
        import altair as alt
        import pandas as pd

        frame = pd.DataFrame(rows)
        frame["thème"] = frame["thème"].map(lambda t: known[t].label if t in known else t)
        chart = alt.Chart(frame).mark_rect().encode(
            x=alt.X("texte:N", title=None), y=alt.Y("thème:N", title=None),
            color=alt.Color("articles:Q", title="Articles", scale=alt.Scale(scheme="oranges")),
            tooltip=["thème", "texte", "articles"])
        st.altair_chart(chart + chart.mark_text(fontSize=10).encode(text="articles:Q", color=alt.value("black")),
                        use_container_width=True)


# ---------------------------------------------------------------- Ajouter


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


# ---------------------------------------------------------------- frame


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

    names = list(PAGES)
    asked = st.query_params.get("page")
    page = st.sidebar.radio("Page", names, index=names.index(asked) if asked in PAGES else 0,
                            format_func=PAGES.get, key="page")
    st.query_params["page"] = page
    version = index.serving()
    catalog = instruments(str(get_settings().corpus_dir), version)
    dossier = active_dossier()
    if page == "rechercher":
        search_page(catalog, version, dossier)
    elif page == "parcourir":
        browse_page(catalog, version, dossier)
    elif page == "dossiers":
        dossier_page(dossier)
    elif page == "rediger":
        write_page(dossier)
    elif page == "comparer":
        compare_page(version)
    else:
        add_page()


main()
