"""Big and bad files as an office receives them (WhatsApp, USB sticks, old scanners).

Each bad file goes through both doors, `musoya ingest` and the app's upload
(`ingest.sources.add_upload`): it is refused with a French message naming it, or read;
never a traceback, and the rest of the batch goes on. The table of what was tried is
written to `evals/results/bad_inputs.md` by this module.
"""

from __future__ import annotations

import io
import json
import random
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfWriter
from typer.testing import CliRunner

from conftest import FakeDocumentEmbedder, FakeTextEmbedder, make_settings
from ingest.index import Index
from ingest.markdown import ParseError
from ingest.sources import add_file, add_upload, library
from ingest.store import open_client
from musoya import cli
from musoya.settings import ROOT, get_settings
from search.searcher import Searcher

TABLE = ROOT / "evals" / "results" / "bad_inputs.md"
ROWS: list[dict] = []


# --- A small PDF writer: one text object per page, Helvetica, WinAnsi (accents included) -----


def _pdf_string(line: str) -> bytes:
    data = line.encode("cp1252")
    return b"(" + data.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def write_pdf(path: Path, pages: list[list[str]]) -> Path:
    """A valid PDF with a text layer: `pages` is the printed lines of each page."""
    objects: list[bytes] = [b"", b""]  # 1: catalogue, 2: page tree, filled in at the end
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    kids = []
    for lines in pages:
        stream = b"BT /F1 11 Tf 14 TL 56 790 Td " + b" ".join(_pdf_string(l) + b" Tj T*" for l in lines) + b" ET"
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        content = len(objects)
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> "
                       b"/Contents %d 0 R >>" % content)
        kids.append(len(objects))
    objects[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objects[1] = b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % k for k in kids) + b"] /Count %d >>" % len(kids)
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % o for o in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    path.write_bytes(out.getvalue())
    return path


VICTIMS = ["La victime", "La fille mineure", "L’épouse", "La veuve", "La travailleuse", "L’enfant",
           "La femme enceinte", "La personne handicapée", "La plaignante", "La témoin", "L’apprentie"]
REMEDIES = ["à une réparation intégrale", "à un hébergement", "à une assistance juridique", "à des soins",
            "à un interprète", "à une ordonnance de protection", "à la confidentialité", "à une escorte",
            "à une aide sociale", "à une audience à huis clos", "à une indemnisation", "à un suivi médical"]


def law_pages(count: int) -> list[list[str]]:
    """A Journal officiel shaped law: running header, a chapter now and then, one article a page."""
    pages = []
    for n in range(1, count + 1):
        lines = ["JOURNAL OFFICIEL DE LA REPUBLIQUE DU MALI", ""]
        if n == 1:
            lines += ["LOI N°2026-001 DU 8 MARS 2026 PORTANT PROTECTION DES FEMMES ET DES FILLES"]
        if n % 50 == 1:
            lines += [f"CHAPITRE {n // 50 + 1} : DISPOSITIONS DE LA PARTIE {n // 50 + 1}"]
        who, what = VICTIMS[n % len(VICTIMS)], REMEDIES[n // len(VICTIMS) % len(REMEDIES)]
        lines += [f"Article {n} :", f"{who} de l’infraction n°{n} a droit à une protection immédiate",
                  f"et {what}, sans frais de procédure.", str(n)]
        pages.append(lines)
    return pages


MEASURE = """
import json, resource, sys, time
sys.path.insert(0, {tests!r})
from pathlib import Path
from musoya.settings import Settings
from ingest.sources import add_file
settings = Settings(data_dir=Path({data!r}), corpus_dir=Path({corpus!r}), _env_file=None)
started = time.perf_counter()
source = add_file(Path({pdf!r}), settings)
seconds = time.perf_counter() - started
print(json.dumps({{"seconds": seconds, "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "markdown": str(source.path)}}))
"""


def measure(pdf: Path, folder: Path) -> dict:
    """Add one PDF in a fresh process: its own time and peak memory, nothing else's."""
    settings = make_settings(folder)
    script = MEASURE.format(tests=str(ROOT / "tests"), data=str(settings.data_dir), corpus=str(settings.corpus_dir),
                            pdf=str(pdf))
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return {**json.loads(done.stdout.splitlines()[-1]), "settings": settings}


def test_a_500_page_pdf_is_read_with_its_pages_in_bounded_time_and_memory(tmp_path):
    small = write_pdf(tmp_path / "loi-50.pdf", law_pages(50))
    big = write_pdf(tmp_path / "loi-500.pdf", law_pages(500))
    runs = {}
    for name, pdf in (("50", small), ("500", big)):
        folder = tmp_path / f"run-{name}"
        folder.mkdir()
        runs[name] = measure(pdf, folder)
    print(f"\n50 pages : {runs['50']['seconds']:.1f} s, {runs['50']['max_rss_mb']:.0f} Mo ; "
          f"500 pages ({big.stat().st_size / 1e6:.1f} Mo) : {runs['500']['seconds']:.1f} s, "
          f"{runs['500']['max_rss_mb']:.0f} Mo")
    # Generous bounds: ten times the pages may cost at most 25 times the time, and 300 MB more memory.
    assert runs["500"]["seconds"] <= 25 * runs["50"]["seconds"] + 5
    assert runs["500"]["max_rss_mb"] <= runs["50"]["max_rss_mb"] + 300

    settings = runs["500"]["settings"]
    sources = library(settings)
    from ingest.sources import read

    instrument, articles = read(sources[0])
    numbered = [a for a in articles if a.numbered]
    assert [a.article for a in numbered] == [str(n) for n in range(1, 501)]
    assert all(a.pages == [int(a.article)] for a in numbered), "each article cites the page it is printed on"
    assert instrument.short_title == "Loi n°2026-001" and instrument.adopted == "2026-03-08"
    assert "JOURNAL OFFICIEL" not in Path(runs["500"]["markdown"]).read_text(encoding="utf-8")
    assert numbered[399].hierarchy == ["CHAPITRE 8 : DISPOSITIONS DE LA PARTIE 8"]

    client = open_client(settings)
    try:
        Index(settings, client).sync(sources, FakeDocumentEmbedder)
        hit = Searcher(Index(settings, client), FakeTextEmbedder).search(
            "de l’infraction n°437 a droit à une protection immédiate", mode="sparse").hits[0]
    finally:
        client.close()
    assert (hit.article, hit.pages) == ("437", [437])


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def test_a_200_mb_file_is_refused_before_it_is_read(settings, tmp_path):
    huge = tmp_path / "Journal officiel complet.pdf"
    with huge.open("wb") as handle:
        handle.write(b"%PDF-1.4\n")
        handle.truncate(200 * 1024 * 1024)  # sparse: 200 MB on paper, nothing on disk
    before = rss_mb()
    with pytest.raises(ParseError, match="taille permise") as refused:
        add_file(huge, settings)
    assert rss_mb() - before < 20, "the file was read into memory before being refused"
    assert "50 Mo" in str(refused.value)
    assert not (settings.data_dir / "ajouts").exists(), "nothing was kept"


# --- The bad-files list, through both doors ---------------------------------------------------


def _generated_pdf(tmp: Path) -> bytes:
    return write_pdf(tmp / "base.pdf", law_pages(12)).read_bytes()


def _encrypted(tmp: Path) -> bytes:
    _generated_pdf(tmp)
    writer = PdfWriter(clone_from=tmp / "base.pdf")
    writer.encrypt(user_password="secret", algorithm="AES-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _images_only(tmp: Path) -> bytes:
    writer = PdfWriter()
    for _ in range(2):
        writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _zip_named_docx(tmp: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("photos/mariage.jpg", b"\xff\xd8\xff\xe0" + bytes(300))
    return buffer.getvalue()


LAW_TEXT = ("LOI N°2015-052 DU 18 DECEMBRE 2015 INSTITUANT DES MESURES POUR PROMOUVOIR LE GENRE\n"
            "Article 1er : La présente loi institue des mesures pour promouvoir le genre.\n"
            "Article 2 : La proportion de personnes de l'un ou l'autre sexe ne doit pas être inférieure à 30 %.\n")

# (label, file name, bytes or a function of the work folder, expected: a piece of the refusal, or None if accepted)
CASES = [
    ("fichier vide", "vide.pdf", b"", "le fichier est vide"),
    ("octets au hasard nommés .pdf", "bruit.pdf", random.Random(4).randbytes(6000), "ce n’est pas un PDF"),
    ("PDF tronqué (moitié du fichier)", "tronque.pdf", lambda t: _generated_pdf(t)[: len(_generated_pdf(t)) // 2],
     "illisible ou abîmé"),
    ("PDF protégé par mot de passe", "protege.pdf", _encrypted, "mot de passe"),
    ("PDF d’images seulement (scan vide)", "scan.pdf", _images_only, "que des images"),
    ("Markdown sans article", "note.md", "# Notes de l’atelier\n\nRien à citer ici.\n".encode(), "aucun article"),
    ("Markdown aux articles en double", "doublons.md",
     "## Article 1\n\nPremière version.\n\n## Article 1\n\nSeconde version.\n".encode(), None),
    ("texte cp1252 (Windows)", "loi-cp1252.txt", LAW_TEXT.encode("cp1252"), None),
    ("texte latin-1", "loi-latin1.txt", LAW_TEXT.encode("latin-1"), None),
    ("texte cp1252 très court", "court.txt", "Article 1 : Le mariage forcé est interdit.".encode("cp1252"), None),
    (".docx qui est un zip de photos", "faux.docx", _zip_named_docx, "pas un document Word"),
    ("octets binaires nommés .txt", "binaire.txt", bytes(range(256)) * 40, "pas lisible"),
    ("extension inconnue", "loi.odt", LAW_TEXT.encode(), "format non pris en charge"),
    ("nom avec ../", "../../etc/loi quota.txt", LAW_TEXT.encode(), None),
    ("nom avec espaces", "Loi quota 2015 (JO).txt", LAW_TEXT.encode(), None),
    ("nom en N’Ko", "ߞߎ߲߬ߝߍ߲.txt", LAW_TEXT.encode(), None),
    ("nom en arabe", "قانون.txt", LAW_TEXT.encode(), None),
]


def _bytes(case, tmp: Path) -> bytes:
    data = case[2]
    return data(tmp) if callable(data) else data


def _record(label: str, door: str, message: str, outcome: str) -> None:
    ROWS.append({"label": label, "door": door, "message": message, "outcome": outcome})


@pytest.fixture
def cli_env(monkeypatch, tmp_path):
    """The CLI against a library in tmp_path, indexing with the fake embedder (no model needed)."""
    settings = make_settings(tmp_path)
    for name, value in (("DATA_DIR", settings.data_dir), ("CORPUS_DIR", settings.corpus_dir)):
        monkeypatch.setenv(f"MUSOYA_{name}", str(value))
    get_settings.cache_clear()

    def fake_sync(settings, client, progress=None, announce=print):
        return Index(settings, client).sync(library(settings), FakeDocumentEmbedder, None, progress)

    monkeypatch.setattr("ingest.index.sync_library", fake_sync)
    yield settings
    get_settings.cache_clear()


def screen(output: str) -> list[str]:
    """The lines a terminal shows: each carriage return writes over the start of its line."""
    shown = []
    for raw in output.split("\n"):
        line = ""
        for part in raw.split("\r"):
            line = part + line[len(part):]
        shown.append(line.rstrip())
    return shown


GOOD = "Article 1 : Toute personne a droit à la protection de la loi contre le mariage forcé.\n"


@pytest.mark.parametrize("case", CASES, ids=[c[1] for c in CASES])
def test_a_bad_file_in_a_cli_batch_is_named_and_the_rest_goes_on(cli_env, tmp_path, case):
    label, name, _, expected = case
    folder = tmp_path / "clef-usb" / "a" / "b"
    folder.mkdir(parents=True)
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_bytes(case, tmp_path))
    good = tmp_path / "clef-usb" / "bonne-loi.txt"
    good.write_text(GOOD, encoding="utf-8")
    result = CliRunner().invoke(cli.app, ["ingest", str(path), str(good)])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert "Ajouté : bonne-loi.txt" in result.stdout, "the rest of the batch goes on"
    if expected is None:
        assert f"Ajouté : {path.name}" in result.stdout, result.stderr
        added = [s.instrument_id for s in library(cli_env)]
        assert len(added) == 2, added
        _record(label, "CLI", "—", "ajouté (" + ", ".join(sorted(added)) + ")")
    else:
        line = next((l for l in screen(result.stderr) if f"{path.name} : " in l), "")
        assert line.startswith(f"{path.name} : "), f"the message is glued to the progress bar: {line!r}"
        assert expected in line and line.endswith("Rien n’a été ajouté.")
        assert [s.instrument_id for s in library(cli_env)] == ["bonne-loi"]
        _record(label, "CLI", line, "refusé, le reste du lot indexé")
    assert "Index prêt" in result.stdout


@pytest.mark.parametrize("case", CASES, ids=[c[1] for c in CASES])
def test_a_bad_upload_gets_a_french_message_and_leaves_nothing_behind(settings, tmp_path, case):
    label, name, _, expected = case
    data = _bytes(case, tmp_path)
    if expected is None:
        source = add_upload(name, data, settings)
        assert source.path.parent == settings.data_dir / "ajouts", "nothing is written outside the library"
        assert source.path.read_text(encoding="utf-8").count("## Article") >= 1
        _record(label, "téléversement", "—", f"ajouté ({source.instrument_id})")
    else:
        with pytest.raises(ParseError) as refused:
            add_upload(name, data, settings)
        message = f"{Path(name).name} : {refused.value}. Rien n’a été ajouté ; l’index existant est intact."
        assert expected in message
        assert not list((settings.data_dir / "ajouts").glob("*.md")) if (settings.data_dir / "ajouts").exists() else True
        _record(label, "téléversement", message, "refusé")
    assert not list((settings.data_dir / "televersements").iterdir()), "the received copy is not kept"


def test_texts_with_non_latin_names_do_not_overwrite_each_other(settings):
    first = add_upload("ߞߎ߲߬ߝߍ߲.txt", LAW_TEXT.encode(), settings)
    second = add_upload("قانون.txt", LAW_TEXT.replace("30 %", "40 %").encode(), settings)
    assert first.path != second.path and first.path.exists() and second.path.exists()


def test_duplicate_article_numbers_stay_distinct_and_citable(settings):
    source = add_upload("doublons.md", CASES[6][2], settings)
    from ingest.sources import read

    _, articles = read(source)
    assert [(a.key, a.label()) for a in articles] == [("1", "art. 1 (occurrence 1)"), ("1#2", "art. 1 (occurrence 2)")]


def test_an_upload_over_the_limit_is_refused_before_it_is_stored(settings):
    settings.max_upload_mb = 1
    with pytest.raises(ParseError, match=r"taille permise \(1 Mo\)"):
        add_upload("gros.pdf", b"%PDF-1.4\n" + bytes(2 * 1024 * 1024), settings)
    assert not (settings.data_dir / "televersements").exists() or not list((settings.data_dir / "televersements").iterdir())
    _record("fichier de 2 Mo (limite abaissée à 1 Mo)", "téléversement",
            "gros.pdf : le fichier dépasse la taille permise (1 Mo). Rien n’a été ajouté ; l’index existant est intact.",
            "refusé avant d’être écrit sur le disque")


def test_a_200_mb_file_in_a_cli_batch_is_named_and_skipped(cli_env, tmp_path):
    huge = tmp_path / "Journal officiel complet.pdf"
    with huge.open("wb") as handle:
        handle.truncate(200 * 1024 * 1024)
    good = tmp_path / "bonne-loi.txt"
    good.write_text(GOOD, encoding="utf-8")
    before = rss_mb()
    result = CliRunner().invoke(cli.app, ["ingest", str(huge), str(good)])
    assert rss_mb() - before < 100
    line = "Journal officiel complet.pdf : le fichier dépasse la taille permise (50 Mo). Rien n’a été ajouté."
    assert line in screen(result.stderr) and "Ajouté : bonne-loi.txt" in result.stdout
    _record("fichier de 200 Mo (creux)", "CLI", line, "refusé sans être lu, le reste du lot indexé")


@pytest.fixture(scope="module", autouse=True)
def write_table():
    """After the module: the table of every bad input tried, for evals/results/bad_inputs.md."""
    yield
    if len(ROWS) < 2 * len(CASES):
        return  # a partial run (-k …) does not overwrite the full table
    order = {c[0]: i for i, c in enumerate(CASES)}
    rows = sorted(ROWS, key=lambda r: (order.get(r["label"], len(order)), r["door"]))
    lines = [
        "# Fichiers abîmés ou hostiles : ce que Musoya en fait",
        "",
        "Produit par `.venv/bin/pytest tests/test_big_files.py` (chaque ligne est vérifiée par un test).",
        "CLI : `musoya ingest <fichier> bonne-loi.txt` ; téléversement : `ingest.sources.add_upload`, "
        "le message étant celui que l’application affiche.",
        "",
        "| Entrée | Chemin | Message affiché | Issue |",
        "|---|---|---|---|",
    ]
    for r in rows:
        message = r["message"].replace("|", "\\|")
        lines.append(f"| {r['label']} | {r['door']} | {message} | {r['outcome']} |")
    text = "\n".join(lines) + "\n"
    if not TABLE.exists() or TABLE.read_text(encoding="utf-8") != text:
        TABLE.write_text(text, encoding="utf-8")


def test_articles_opening_pages_are_not_taken_for_running_headers():
    """A short law where every page starts with « Article N : » and the article ends at its foot."""
    from ingest.layout import to_markdown
    from ingest.markdown import parse_text

    pages = ["\n".join(lines) for lines in law_pages(12)]
    _, articles = parse_text(to_markdown(pages), "loi")
    numbered = [a for a in articles if a.numbered]
    assert [a.article for a in numbered] == [str(n) for n in range(1, 13)]
    assert [a.pages for a in numbered] == [[n] for n in range(1, 13)]
