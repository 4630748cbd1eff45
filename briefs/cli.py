"""The `musoya brief`, `musoya kit` and `musoya dossier …` commands (registered in musoya/cli.py).

Messages in French, a clear refusal instead of a traceback.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Optional

import typer

BRIEF_FORMATS = ("docx", "pdf", "md")
KIT_FORMATS = ("docx", "pdf", "pptx", "md")

dossier_app = typer.Typer(help="Les dossiers d’articles : créer, remplir, afficher.", no_args_is_help=True,
                          add_completion=False)


def _fail(message: str, code: int = 1) -> None:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def _warn(message: str) -> None:
    typer.secho(message, fg=typer.colors.YELLOW, err=True)


def _settings():
    from musoya.settings import get_settings

    return get_settings()


def _store():
    from briefs.dossiers import DossierStore

    return DossierStore(_settings())


def _check_format(fmt: str, allowed: tuple[str, ...], out: Path | None) -> str:
    fmt = (fmt or (out.suffix.lstrip(".") if out else "")).lower()
    if fmt == "markdown":
        fmt = "md"
    if fmt not in allowed:
        _fail(f"Format non pris en charge : « {fmt or '?'} » (choix : {', '.join(allowed)}).", 2)
    return fmt


def _write(doc, out: Path, fmt: str) -> None:
    from briefs.writers import export
    from briefs.writers.pdf import FontMissing

    if out.is_dir():
        _fail(f"{out} est un dossier : donnez un nom de fichier, par exemple {out / ('note.' + fmt)}.", 2)
    started = time.perf_counter()
    try:
        export(doc, out, fmt)
    except FontMissing as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"Impossible d’écrire {out} ({exc.strerror or exc}).")
    for warning in doc.warnings:
        _warn(warning)
    typer.echo(f"Écrit : {out} ({(time.perf_counter() - started) * 1000:.0f} ms)")


def _query_references(question: str, top_k: int) -> list[tuple[str, str, str]]:
    """The articles a search returns for the question, best first."""
    from ingest.model import ModelUnavailable
    from ingest.store import StoreUnavailable, open_client
    from search.searcher import IndexMissing, QueryError, open_searcher

    settings = _settings()
    try:
        client = open_client(settings)
    except StoreUnavailable as exc:
        _fail(str(exc))
    try:
        searcher = open_searcher(settings, client, announce=lambda m: typer.echo(m, err=True))
        result = searcher.search(question, top_k)
    except QueryError as exc:
        _fail(str(exc), 2)
    except (IndexMissing, ModelUnavailable) as exc:
        _fail(str(exc))
    finally:
        client.close()
    if not result.hits:
        _fail("Aucun article ne répond à cette question : la note n’a pas été produite.")
    return [(hit.instrument, hit.key, "") for hit in result.hits]


def brief(
    dossier: Optional[str] = typer.Option(None, "--dossier", "-d", help="Nom du dossier d’articles."),
    query: Optional[str] = typer.Option(None, "--query", "-q", help="Une question : la note part des articles trouvés."),
    template: Optional[str] = typer.Option(None, "--template", "-t",
                                           help="note-courte, note-detaillee ou lettre (par défaut : celui du brouillon)."),
    fmt: Optional[str] = typer.Option(None, "--format", "-f", help="docx, pdf ou md (par défaut : l’extension de --out)."),
    out: Path = typer.Option(..., "--out", "-o", help="Fichier à écrire."),
    top_k: int = typer.Option(6, "--top-k", "-k", help="Avec --query : nombre d’articles cités."),
):
    """Rédige une note de plaidoyer (ou une lettre) à partir d’un dossier ou d’une question."""
    from briefs.compose import TEMPLATES, compose_brief, compose_dossier_brief

    fmt = _check_format(fmt, BRIEF_FORMATS, out)
    if template is not None and template not in TEMPLATES:
        _fail(f"Modèle inconnu : « {template} » (choix : {', '.join(TEMPLATES)}).", 2)
    if bool(dossier) == bool(query):
        _fail("Indiquez soit --dossier NOM, soit --query « QUESTION ».", 2)
    settings = _settings()
    try:
        if dossier:
            doc = compose_dossier_brief(settings, dossier, template, store=_store())
        else:
            references = _query_references(query, max(1, min(top_k, 20)))
            doc = compose_brief(settings, references, template or "note-detaillee",
                                {"contexte": f"Question de départ : « {query.strip()} »"},
                                title=query.strip()[:1].upper() + query.strip()[1:120])
    except ValueError as exc:
        _fail(str(exc), 2)
    _write(doc, out, fmt)


def kit(
    dossier: str = typer.Option(..., "--dossier", "-d", help="Nom du dossier d’articles."),
    fmt: Optional[str] = typer.Option(None, "--format", "-f", help="docx, pdf, pptx ou md (par défaut : l’extension de --out)."),
    out: Path = typer.Option(..., "--out", "-o", help="Fichier à écrire."),
    seed: int = typer.Option(0, help="Graine du quiz : la même graine donne le même quiz."),
):
    """Prépare un kit d’atelier : objectifs, articles clés, explications, étude de cas, quiz et corrigé."""
    from briefs.compose import compose_dossier_kit

    fmt = _check_format(fmt, KIT_FORMATS, out)
    try:
        doc, items = compose_dossier_kit(_settings(), dossier, store=_store(), seed=seed)
    except ValueError as exc:
        _fail(str(exc), 2)
    _write(doc, out, fmt)
    typer.echo(f"Quiz : {len(items)} question(s).")


@dossier_app.command("list")
def dossier_list():
    """Liste les dossiers."""
    store = _store()
    names = store.names()
    if not names:
        typer.echo("Aucun dossier. Créez-en un : musoya dossier create « Mariage d’enfants ».")
    for name in names:
        typer.echo(f"{name} ({len(store.entries(name))} article(s))")


@dossier_app.command("create")
def dossier_create(name: str = typer.Argument(..., help="Nom du dossier.")):
    """Crée un dossier vide."""
    try:
        typer.echo(f"Dossier créé : {_store().create(name)}")
    except ValueError as exc:
        _fail(str(exc), 2)


@dossier_app.command("add")
def dossier_add(
    name: str = typer.Argument(..., help="Nom du dossier."),
    instrument: str = typer.Argument(..., help="Identifiant du texte, ex. mali-code-penal-2024."),
    article: str = typer.Argument(..., help="Numéro de l’article, ex. 327-12."),
    note: str = typer.Option("", "--note", "-n", help="Votre note sur cet article."),
):
    """Ajoute un article au dossier (il doit exister dans la bibliothèque)."""
    from briefs.references import Library, Unresolved

    found = Library(_settings()).resolve(instrument, article.strip())
    if isinstance(found, Unresolved):
        _fail(f"Référence introuvable : {instrument}, art. {article} — {found.reason}.", 2)
    try:
        added = _store().add(name, instrument, found.key, note)
    except ValueError as exc:
        _fail(str(exc), 2)
    typer.echo(f"Ajouté : {found.citation}" if added else f"Déjà dans le dossier : {found.citation}")


@dossier_app.command("remove")
def dossier_remove(name: str, instrument: str, article: str):
    """Retire un article du dossier."""
    try:
        _store().remove(name, instrument, article)
    except ValueError as exc:
        _fail(str(exc), 2)
    typer.echo("Retiré.")


@dossier_app.command("show")
def dossier_show(name: str = typer.Argument(..., help="Nom du dossier.")):
    """Montre les articles du dossier, cités mot pour mot, avec vos notes."""
    from briefs.references import Library, Unresolved

    try:
        entries = _store().entries(name)
    except ValueError as exc:
        _fail(str(exc), 2)
    if not entries:
        typer.echo("Le dossier est vide. Ajoutez un article : musoya dossier add NOM TEXTE ARTICLE.")
    library = Library(_settings())
    for n, entry in enumerate(entries, 1):
        found = library.resolve(entry.instrument, entry.key, entry.note)
        if isinstance(found, Unresolved):
            typer.secho(f"{n}. Référence introuvable : {entry.instrument}, art. {entry.key} — {found.reason}.",
                        fg=typer.colors.YELLOW)
            continue
        typer.secho(f"{n}. {found.citation}", bold=True)
        first = found.paragraphs[0] if found.paragraphs else ""
        typer.echo("   " + (first if len(first) <= 200 else first[:199] + "…"))
        if entry.note:
            typer.echo(f"   Note : {entry.note}")


@dossier_app.command("delete")
def dossier_delete(name: str = typer.Argument(..., help="Nom du dossier.")):
    """Supprime un dossier et ses brouillons."""
    try:
        _store().delete(name)
    except ValueError as exc:
        _fail(str(exc), 2)
    typer.echo("Dossier supprimé.")


def register(app: typer.Typer) -> None:
    app.command()(brief)
    app.command()(kit)
    app.add_typer(dossier_app, name="dossier")
