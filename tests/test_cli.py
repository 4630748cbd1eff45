"""The `musoya` command as a user runs it: ingest, search (one question or stdin), parse."""

import json

import pytest
from typer.testing import CliRunner

from conftest import bundle, make_settings
from musoya import cli
from musoya.settings import ROOT, get_settings

runner = CliRunner()


@pytest.fixture
def env(monkeypatch, tmp_path):
    settings = make_settings(tmp_path)
    for name, value in (("DATA_DIR", settings.data_dir), ("CORPUS_DIR", settings.corpus_dir)):
        monkeypatch.setenv(f"MUSOYA_{name}", str(value))
    get_settings.cache_clear()
    yield settings
    get_settings.cache_clear()


def test_parse_prints_articles_as_json():
    result = runner.invoke(cli.app, ["parse", str(ROOT / "corpus" / "un-cedef-1979.md"), "--json"])
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert len(rows) == 30
    assert set(rows[0]) == {"article", "key", "hierarchy", "text", "pages"}
    assert rows[15]["article"] == "16"


def test_parse_explains_missing_and_unsupported_files(tmp_path):
    result = runner.invoke(cli.app, ["parse", str(tmp_path / "absent.md")])
    assert result.exit_code == 1 and "Fichier introuvable" in result.stderr
    odd = tmp_path / "texte.xyz"
    odd.write_text("bonjour", encoding="utf-8")
    result = runner.invoke(cli.app, ["parse", str(odd)])
    assert result.exit_code == 1 and "format non pris en charge" in result.stderr
    assert "Traceback" not in result.output


def test_search_without_an_index_says_what_to_do(env, monkeypatch):
    monkeypatch.setenv("MUSOYA_MODEL", "modele-introuvable")
    result = runner.invoke(cli.app, ["search", "mariage"])
    assert result.exit_code == 1
    assert "musoya ingest" in result.stderr


def test_search_while_the_index_is_held_explains_the_lock(env):
    from ingest.store import open_client

    holder = open_client(env)
    try:
        result = runner.invoke(cli.app, ["search", "mariage"])
    finally:
        holder.close()
    assert result.exit_code == 1
    assert "déjà ouvert par un autre programme" in result.stderr


@pytest.mark.integration
def test_ingest_then_search_with_the_real_model(env, monkeypatch, real_model_path):
    monkeypatch.setenv("MUSOYA_MODEL", real_model_path)
    get_settings.cache_clear()
    bundle(env, "un-cedef-1979", "oit-c183-protection-maternite-2000")
    result = runner.invoke(cli.app, ["ingest"])
    assert result.exit_code == 0, result.output
    assert "Index prêt : 2 textes" in result.stdout
    again = runner.invoke(cli.app, ["ingest"])
    assert "Index déjà à jour" in again.stdout

    one = runner.invoke(cli.app, ["search", "congé de maternité", "--json", "-k", "3"])
    payload = json.loads(one.stdout)
    assert set(payload) == {"query", "took_ms", "hits"}
    assert payload["hits"][0]["instrument"] == "oit-c183-protection-maternite-2000"
    assert {"instrument", "article", "short_title", "score", "text"} <= set(payload["hits"][0])

    many = runner.invoke(cli.app, ["search", "--instrument", "un-cedef-1979"], input="mariage\n\nnationalité\n")
    lines = [json.loads(line) for line in many.stdout.splitlines()]
    assert [line["query"] for line in lines] == ["mariage", "", "nationalité"]
    assert "error" in lines[1] and many.exit_code == 2
    assert all(h["instrument"] == "un-cedef-1979" for line in (lines[0], lines[2]) for h in line["hits"])

    card = runner.invoke(cli.app, ["ask", "combien de semaines de congé de maternité", "--json"])
    assert card.exit_code == 0, card.output
    card = json.loads(card.stdout)
    assert {"query", "answered", "articles", "themes"} <= set(card)
    source = (env.corpus_dir / "oit-c183-protection-maternite-2000.md").read_text(encoding="utf-8")
    for article in card["articles"]:
        assert article["text"] in source or article["instrument"] != "oit-c183-protection-maternite-2000"
        assert all(article["text"][a:b] for a, b in article["highlights"])

    human = runner.invoke(cli.app, ["search", "congé de maternité"])
    assert human.exit_code == 0 and "1. OIT C183 (protection de la maternité), art." in human.stdout

    # A batch with a bad file: the bad one is named and skipped, the rest goes on.
    empty = env.data_dir.parent / "mauvais.pdf"
    empty.write_bytes(b"")
    law = env.data_dir.parent / "Loi quota.txt"
    law.write_bytes("Article 1er : Au moins 30 % de femmes dans les fonctions nominatives.\n".encode("cp1252"))
    batch = runner.invoke(cli.app, ["ingest", str(empty), str(law), "--short-title", "Loi quota"])
    assert batch.exit_code == 0, batch.output
    assert "mauvais.pdf : le fichier est vide. Rien n’a été ajouté." in batch.stderr
    assert "Index prêt : 3 textes" in batch.stdout
    found = json.loads(runner.invoke(cli.app, ["search", "30 % de femmes fonctions nominatives", "--json"]).stdout)
    assert found["hits"][0]["short_title"] == "Loi quota" and found["hits"][0]["article"] == "1"


def test_sharing_the_app_requires_a_password(env):
    result = runner.invoke(cli.app, ["app", "--partager"])
    assert result.exit_code == 1
    assert "MUSOYA_ACCESS_PASSWORD" in result.stderr


def test_an_unexpected_failure_is_logged_not_shown(env, monkeypatch, capsys):
    def broken(*args, **kwargs):
        raise ZeroDivisionError("bogue interne")

    monkeypatch.setattr("ingest.documents.read_document", broken)
    monkeypatch.setattr("sys.argv", ["musoya", "parse", str(ROOT / "corpus" / "un-cedef-1979.md")])
    with pytest.raises(SystemExit) as stop:
        cli.main()
    assert stop.value.code == 1
    err = capsys.readouterr().err
    assert "Erreur inattendue" in err and "Traceback" not in err
    assert "ZeroDivisionError: bogue interne" in (env.data_dir / "erreurs.log").read_text(encoding="utf-8")


def test_curators_commands_list_themes_gaps_and_suggestions(env):
    bundle(env, "mali-code-penal-2024", "un-cedef-1979", "un-cde-1989")
    themes = runner.invoke(cli.app, ["themes"])
    assert themes.exit_code == 0 and "mariage-enfant" in themes.stdout and "Mariage d’enfant" in themes.stdout
    gaps = runner.invoke(cli.app, ["ecarts", "mariage-enfant"])
    assert gaps.exit_code == 0
    assert "| Code pénal 2024, art. 327-12 | CEDEF (CEDAW), art. 16 | met en œuvre |" in gaps.stdout
    unknown = runner.invoke(cli.app, ["ecarts", "inconnu"])
    assert unknown.exit_code == 1 and "thème inconnu" in unknown.stderr
    links = runner.invoke(cli.app, ["liens", "--limit", "5"])
    assert "suggestions écrites" in links.stdout
    assert env.suggested_links.is_file() and "à vérifier" in env.suggested_links.read_text(encoding="utf-8")
