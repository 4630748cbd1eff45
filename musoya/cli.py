"""The `musoya` command: ingest, search, parse, app. Messages in French, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Optional

import typer

app = typer.Typer(
    help="Musoya : les textes de loi qui protègent les femmes et les filles au Mali, à portée de main.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _fail(message: str, code: int = 1) -> None:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def _say(message: str) -> None:
    typer.echo(message, err=True)


def _client(settings):
    from ingest.store import StoreUnavailable, open_client

    try:
        return open_client(settings)
    except StoreUnavailable as exc:
        _fail(str(exc))


@app.command()
def ingest(
    paths: list[Path] = typer.Argument(None, help="Fichiers à ajouter (PDF, Word, HTML, texte, Markdown) ; sans fichier : le corpus."),
    title: Optional[str] = typer.Option(None, help="Titre complet du texte ajouté."),
    short_title: Optional[str] = typer.Option(None, help="Titre court, utilisé dans les citations."),
    jurisdiction: Optional[str] = typer.Option(None, help="Mali, Union africaine, Nations Unies…"),
    kind: Optional[str] = typer.Option(None, help="loi, décret, code, convention…"),
    adopted: Optional[str] = typer.Option(None, help="Date d’adoption (AAAA-MM-JJ)."),
):
    """Indexe le corpus fourni et les textes ajoutés ; seuls les textes modifiés sont recalculés."""
    from tqdm import tqdm

    from ingest.index import sync_library
    from ingest.markdown import ParseError
    from ingest.model import ModelUnavailable
    from ingest.sources import add_file
    from musoya.settings import get_settings

    settings = get_settings()
    metadata = {"title": title, "short_title": short_title, "jurisdiction": jurisdiction, "kind": kind,
                "adopted": adopted}
    client = _client(settings)  # fails early, before anything is added, if the index is in use
    bar = tqdm(total=0, unit="", file=sys.stderr, dynamic_ncols=True, leave=False)

    def progress(done: int, total: int, what: str) -> None:
        bar.total = total
        bar.n = done
        bar.set_description(what)
        bar.refresh()

    for path in paths or []:
        if not path.is_file():
            typer.secho(f"{path} : fichier introuvable.", fg=typer.colors.YELLOW, err=True)
            continue
        try:
            source = add_file(path, settings, metadata, progress)
        except (ParseError, OSError) as exc:
            reason = str(exc) if isinstance(exc, ParseError) else f"fichier illisible ({exc.strerror})"
            typer.secho(f"{path.name} : {reason}. Rien n’a été ajouté.", fg=typer.colors.YELLOW, err=True)
            continue
        typer.echo(f"Ajouté : {path.name} → {source.path}")
    try:
        report = sync_library(settings, client, progress, announce=_say)
    except ModelUnavailable as exc:
        _fail(str(exc))
    finally:
        bar.close()
        client.close()
    for name, message in report.errors.items():
        typer.secho(f"{name} : {message}", fg=typer.colors.YELLOW, err=True)
    if not report.changed:
        typer.echo(f"Index déjà à jour : {report.instruments} textes ({report.seconds:.1f} s).")
        return
    typer.echo(
        f"Index prêt : {report.instruments} textes, {report.chunks} morceaux "
        f"({report.embedded} calculés, {report.copied} repris tels quels, {report.articles} articles relus) "
        f"en {report.seconds:.1f} s."
    )
    if report.removed:
        typer.echo("Retirés de l’index : " + ", ".join(report.removed))


def _print_hits(result) -> None:
    if not result.hits:
        typer.echo("Aucun texte trouvé.")
    for rank, hit in enumerate(result.hits, start=1):
        typer.secho(f"{rank}. {hit.citation}  (score {hit.score:.3f})", bold=True)
        lines = [line for line in hit.text.splitlines() if line.strip()][:3]
        for line in lines:
            typer.echo("   " + (line if len(line) <= 200 else line[:199] + "…"))
    typer.echo(f"({result.took_ms:.0f} ms)")


@app.command()
def search(
    question: Optional[str] = typer.Argument(None, help="La question ; sans question, une par ligne sur l’entrée standard."),
    top_k: int = typer.Option(None, "--top-k", "-k", help="Nombre d’articles."),
    mode: str = typer.Option("hybrid", help="hybrid, dense ou sparse."),
    instrument: Optional[str] = typer.Option(None, help="Identifiant d’un texte, ex. mali-code-penal-2024."),
    jurisdiction: Optional[str] = typer.Option(None, help="Mali, Nations Unies, Union africaine…"),
    kind: Optional[str] = typer.Option(None, help="code, constitution, convention…"),
    as_json: bool = typer.Option(False, "--json", help="Sortie JSON (une ligne par question)."),
):
    """Cherche les articles qui répondent à une question en français courant."""
    from ingest.model import ModelUnavailable
    from musoya.settings import get_settings
    from search.searcher import IndexMissing, QueryError, open_searcher

    settings = get_settings()
    client = _client(settings)
    searcher = open_searcher(settings, client, announce=_say)
    questions = [question] if question is not None else (line.rstrip("\n") for line in sys.stdin)
    failed = False
    try:
        for text in questions:
            try:
                result = searcher.search(text, top_k, mode, instrument, jurisdiction, kind)
            except QueryError as exc:
                if question is not None:
                    _fail(str(exc), 2)
                failed = True
                typer.echo(json.dumps({"query": text, "error": str(exc)}, ensure_ascii=False))
                continue
            if as_json or question is None:
                typer.echo(json.dumps(result.to_dict(), ensure_ascii=False))
            else:
                _print_hits(result)
    except (IndexMissing, ModelUnavailable) as exc:
        _fail(str(exc))
    finally:
        client.close()
    if failed:
        raise typer.Exit(2)


@app.command()
def parse(file: Path, as_json: bool = typer.Option(False, "--json", help="Sortie JSON.")):
    """Montre les articles lus dans un fichier, sans rien indexer."""
    from ingest.documents import read_document
    from ingest.markdown import ParseError

    if not file.is_file():
        _fail(f"Fichier introuvable : {file}")
    try:
        instrument, articles = read_document(file)
    except ParseError as exc:
        _fail(f"{file.name} : {exc}")
    if as_json:
        rows = [{"article": a.article, "key": a.key, "hierarchy": a.hierarchy, "text": a.text, "pages": a.pages}
                for a in articles]
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    typer.secho(f"{instrument.title} ({instrument.short_title}) : {len(articles)} unités", bold=True)
    for a in articles:
        first = a.text.strip().splitlines()[0] if a.text.strip() else ""
        typer.echo(f"- {a.label()} — {' › '.join(a.hierarchy[-2:])} — {first[:90]}")


@app.command(name="eval")
def evaluate():
    """Mesure la qualité de la recherche sur les questions de référence (evals/gold.yaml)."""
    from evals.retrieval import RESULTS, run
    from musoya.settings import get_settings
    from search.searcher import IndexMissing

    settings = get_settings()
    client = _client(settings)
    try:
        run(settings, client)
    except IndexMissing as exc:
        _fail(str(exc))
    finally:
        client.close()
    typer.echo((RESULTS / "retrieval.md").read_text(encoding="utf-8"))


@app.command(name="app")
def run_app(
    port: int = typer.Option(8501, help="Port."),
    share: bool = typer.Option(False, "--partager", help="Ouvrir l’application aux autres postes du réseau local."),
):
    """Construit l’index s’il manque, puis ouvre l’application dans le navigateur."""
    from musoya.settings import ROOT, get_settings

    if share and get_settings().access_password is None:
        _fail("Pour partager l’application sur le réseau, définissez d’abord un mot de passe d’accès : "
              "MUSOYA_ACCESS_PASSWORD dans le fichier .env (voir le README).")
    ingest([], title=None, short_title=None, jurisdiction=None, kind=None, adopted=None)
    command = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port)]
    if share:
        command += ["--server.address", "0.0.0.0"]
    raise typer.Exit(subprocess.call(command, cwd=ROOT))  # .streamlit/config.toml: localhost by default


def main() -> None:
    """Entry point: an unexpected failure is logged for the team, and explained in French."""
    try:
        app()
    except Exception:  # noqa: BLE001 - the last line of defence: no traceback for the user
        import traceback

        from musoya.settings import get_settings

        log = get_settings().data_dir / "erreurs.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("a", encoding="utf-8") as handle:
            handle.write(traceback.format_exc() + "\n")
        typer.secho(f"Erreur inattendue : l’opération n’a pas abouti. Les détails sont dans {log} ; "
                    "transmettez ce fichier à l’équipe Musoya.", fg=typer.colors.RED, err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
