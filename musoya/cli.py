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


def _progress_bar():
    """A progress bar on stderr and the `progress(done, total, what)` callback that moves it."""
    from tqdm import tqdm

    bar = tqdm(total=0, unit="", file=sys.stderr, dynamic_ncols=True, leave=False)

    def progress(done: int, total: int, what: str) -> None:
        bar.total = total
        bar.n = done
        bar.set_description(what)
        bar.refresh()

    return bar, progress


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
    from ingest.index import sync_library
    from ingest.markdown import ParseError
    from ingest.model import ModelUnavailable
    from ingest.sources import add_file
    from musoya.settings import get_settings

    settings = get_settings()
    metadata = {"title": title, "short_title": short_title, "jurisdiction": jurisdiction, "kind": kind,
                "adopted": adopted}
    client = _client(settings)  # fails early, before anything is added, if the index is in use
    bar, progress = _progress_bar()
    for path in paths or []:
        bar.clear()  # a message printed over the progress bar would be glued to it
        if not path.is_file():
            typer.secho(f"{path} : fichier introuvable.", fg=typer.colors.YELLOW, err=True)
            continue
        try:
            source = add_file(path, settings, metadata, progress)
        except (ParseError, OSError) as exc:
            reason = str(exc) if isinstance(exc, ParseError) else f"fichier illisible ({exc.strerror})"
            bar.clear()
            typer.secho(f"{path.name} : {reason}. Rien n’a été ajouté.", fg=typer.colors.YELLOW, err=True)
            continue
        bar.clear()
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
        if hit.linked_from:
            typer.echo(f"   (lien : {hit.link_note})")
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
def ask(
    question: str = typer.Argument(..., help="La question, en français courant."),
    theme: Optional[str] = typer.Option(None, help="Limiter à un thème (identifiant, ex. mariage-enfant)."),
    jurisdiction: Optional[str] = typer.Option(None, help="Mali, Nations Unies, Union africaine…"),
    as_json: bool = typer.Option(False, "--json", help="Sortie JSON."),
):
    """Fiche-réponse : les articles qui répondent, cités mot pour mot, et les engagements liés."""
    from ingest.model import ModelUnavailable
    from musoya.settings import get_settings
    from search.answer import open_answerer
    from search.searcher import IndexMissing, QueryError

    settings = get_settings()
    client = _client(settings)
    try:
        card = open_answerer(settings, client, announce=_say).ask(question, theme=theme, jurisdiction=jurisdiction)
    except QueryError as exc:
        _fail(str(exc), 2)
    except (IndexMissing, ModelUnavailable) as exc:
        _fail(str(exc))
    finally:
        client.close()
    from search.explanation import explain_card

    card.explanation = explain_card(card, settings)
    if as_json:
        typer.echo(json.dumps(card.to_dict(), ensure_ascii=False))
        return
    _print_card(card)


def _print_card(card) -> None:
    if not card.answered:
        if card.missing:
            typer.secho("Le corpus ne contient pas le texte qui répond à cette question.", bold=True)
            for subject in card.missing:
                typer.echo(f"- {subject.message}")
            return
        typer.secho("Le corpus ne semble pas répondre directement à cette question (une démarche, un délai ou un "
                    "coût réglés par des textes absents ?).", bold=True)
        typer.echo(f"Les articles les plus proches, à vérifier : musoya search \"{card.query}\" ; ou d’autres mots "
                   "(ce qui s’est passé, qui, quel âge), ou un thème : musoya themes.")
        return
    explanation = card.explanation
    if explanation and explanation.shown:
        typer.secho("En bref (explication automatique vérifiée sur les articles cités ; seuls les articles font foi) :",
                    bold=True)
        typer.echo("   " + explanation.text)
        if explanation.removed:
            typer.echo(f"   ({explanation.removed} phrase(s) non vérifiable(s) retirée(s))")
    elif explanation and explanation.error:
        typer.secho(explanation.error, err=True)
    for rank, item in enumerate(card.articles, start=1):
        hit = item.hit
        typer.secho(f"{rank}. {hit.citation}", bold=True)
        if hit.hierarchy:
            typer.echo("   " + " › ".join(hit.hierarchy))
        cursor, marked = 0, []
        for start, end in item.highlights:
            marked += [hit.text[cursor:start], typer.style(hit.text[start:end], bold=True, underline=True)]
            cursor = end
        marked.append(hit.text[cursor:])
        for line in "".join(marked).splitlines():
            typer.echo("   " + line)
        for link in item.related:
            prefix = "   ↔ " if link["reviewed"] else "   voir aussi : "
            typer.echo(f"{prefix}{link['short_title']}, art. {link['article']} ({link['relation']})")
    if card.themes:
        typer.echo("Thèmes : " + ", ".join(card.themes))
    typer.echo(f"({card.took_ms:.0f} ms)")


@app.command()
def parse(file: Path, as_json: bool = typer.Option(False, "--json", help="Sortie JSON.")):
    """Montre les articles lus dans un fichier, sans rien indexer."""
    from ingest.documents import read_document
    from ingest.markdown import ParseError

    from musoya.settings import get_settings

    if not file.is_file():
        _fail(f"Fichier introuvable : {file}")
    limit = get_settings().max_upload_mb
    if file.stat().st_size > limit * 1024 * 1024:
        _fail(f"{file.name} : le fichier dépasse la taille permise ({limit} Mo).")
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
def evaluate(jeu: str = typer.Option("gold", "--jeu", help="gold (réglages), holdout (gardé à part jusqu’à la fin "
                                                          "des réglages), unseen (écrit après les réglages), fresh, blind, sealed, final, "
                                                          "reserve, spare ou latest (écrits en dernier, sans voir les données du projet).")):
    """Mesure la qualité de la recherche sur un jeu de questions de référence (evals/*.yaml)."""
    from evals.retrieval import SETS, markdown, run
    from musoya.settings import get_settings
    from search.searcher import IndexMissing

    if jeu not in SETS:
        _fail(f"Jeu de questions inconnu : « {jeu} » (choix : {', '.join(SETS)}).", 2)
    settings = get_settings()
    client = _client(settings)
    try:
        report = run(settings, client, jeu)
    except IndexMissing as exc:
        _fail(str(exc))
    finally:
        client.close()
    typer.echo(markdown(report))


@app.command()
def bench(
    instruments: Optional[str] = typer.Option(None, help="Textes à indexer, séparés par des virgules (défaut : tout le corpus)."),
    questions: Optional[int] = typer.Option(None, help="Nombre de questions de référence (défaut : toutes)."),
    cold: bool = typer.Option(True, "--froid/--sans-froid", help="Mesurer aussi le démarrage à froid."),
):
    """Mesure ce que coûtent l’indexation, la recherche et le démarrage (evals/results/bench.md)."""
    from evals.bench import RESULTS, BenchError, gold_questions, run

    names = [name.strip() for name in instruments.split(",") if name.strip()] if instruments else None
    try:
        run(names, cold=cold, questions=gold_questions(questions), say=_say)
    except BenchError as exc:
        _fail(str(exc))
    typer.echo((RESULTS / "bench.md").read_text(encoding="utf-8"))


@app.command()
def train(
    epochs: int | None = typer.Option(None, help="Passes sur les paires d’entraînement (encodeur des questions ; "
                                                 "par défaut, celles du réglage livré)."),
    seed: int = typer.Option(13, help="Graine, pour un résultat reproductible."),
    examples_only: bool = typer.Option(False, "--exemples-seulement",
                                       help="Recalcule seulement les vecteurs des exemples, avec l’encodeur livré "
                                            "(après un ajout à corpus/coverage.yaml ; quelques minutes)."),
):
    """Apprend des questions d’exemple (corpus/training.yaml, corpus/coverage.yaml) : encodeur des questions,
    exemples, reclassement."""
    import yaml

    from evals.retrieval import COVERAGE, TRAINING
    from musoya.settings import get_settings
    from search import encoder
    from search.training import refresh_examples
    from search.training import train as learn

    settings = get_settings()
    client = None if examples_only else _client(settings)
    try:
        pairs = yaml.safe_load(TRAINING.read_text(encoding="utf-8"))
        coverage = yaml.safe_load(COVERAGE.read_text(encoding="utf-8")) if COVERAGE.is_file() else []
        bar, progress = _progress_bar()
        if examples_only:
            voters, articles = refresh_examples(settings, pairs, coverage, progress=progress)
            bar.close()
            typer.echo(f"{voters} questions d’exemple font remonter {articles} articles.")
            return
        report = learn(settings, client, pairs, epochs=epochs or encoder.EPOCHS, seed=seed, progress=progress,
                       coverage=coverage)
        bar.close()
    except ValueError as exc:
        _fail(str(exc))
    finally:
        if client:
            client.close()
    typer.echo(f"Appris sur {report.pairs} paires ({report.articles} articles) en {report.seconds:.0f} s ; "
               f"l’article attendu est parmi les candidats reclassés pour {report.candidates_found:.0%} des questions ; "
               f"{report.examples} questions d’exemple font remonter {report.example_articles} articles.")
    if report.skipped:
        typer.echo(f"Paires ignorées (article absent de l’index) : {', '.join(report.skipped)}")


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
    from search.crossrefs import ensure_suggestions

    ensure_suggestions(get_settings())
    command = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port)]
    if share:
        command += ["--server.address", "0.0.0.0"]
    raise typer.Exit(subprocess.call(command, cwd=ROOT))  # .streamlit/config.toml: localhost by default


@app.command()
def themes():
    """Les thèmes, leur identifiant (pour --theme) et le nombre d’articles choisis."""
    from ingest.themes import load_themes
    from musoya.settings import get_settings

    for theme in load_themes(get_settings().themes):
        typer.echo(f"{theme.id:26} {theme.label} ({len(theme.articles)} articles)")


@app.command()
def ecarts(theme: str = typer.Argument(..., help="Identifiant du thème (voir « musoya themes »).")):
    """Tableau loi malienne ↔ engagements internationaux d’un thème, à coller dans une note."""
    from ingest.sources import catalogue
    from ingest.themes import load_themes
    from musoya.settings import get_settings
    from search.crossrefs import load_crossrefs

    settings = get_settings()
    try:
        table = load_crossrefs(settings.crossrefs).gaps(theme, load_themes(settings.themes))
    except ValueError as exc:
        _fail(str(exc))
    titles = {i.id: i.short_title for i in catalogue(settings)}

    def cite(ref: str) -> str:
        instrument, key = ref.split(":", 1)
        return f"{titles.get(instrument, instrument)}, art. {key}"

    typer.echo(f"## {table.label}\n")
    if table.missing:
        typer.echo(f"Texte national absent du corpus : {table.missing}\n")
    typer.echo(table.markdown(cite))


@app.command()
def liens(limit: int = typer.Option(50, help="Nombre de suggestions.")):
    """Pour les curatrices : problèmes des fichiers de thèmes et de correspondances, et
    correspondances suggérées à vérifier (écrites dans data/liens-suggeres.yaml)."""
    from ingest.themes import load_themes
    from musoya.settings import get_settings
    from search.crossrefs import load_crossrefs, save_suggestions, suggest, validate

    settings = get_settings()
    try:
        themes_, crossrefs = load_themes(settings.themes), load_crossrefs(settings.crossrefs)
    except ValueError as exc:
        _fail(str(exc))
    problems = validate(settings, themes_, crossrefs)
    for problem in problems:
        typer.secho(f"À corriger : {problem}", fg=typer.colors.RED)
    suggestions = suggest(settings, themes_, crossrefs, limit=limit)
    save_suggestions(settings.suggested_links, suggestions)
    for s in suggestions:
        typer.echo(f"{s.score:.2f}  {s.national} ↔ {s.international}  [{s.theme}]  {', '.join(s.shared)}")
    typer.echo(f"{len(crossrefs)} correspondances dans {settings.crossrefs.name} ; {len(suggestions)} suggestions "
               f"écrites dans {settings.suggested_links} (montrées comme « voir aussi », jamais comme liens).")
    if problems:
        raise typer.Exit(1)


from briefs.cli import register as _register_briefs  # noqa: E402 - brief, kit, dossier (briefs/cli.py)

_register_briefs(app)


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
