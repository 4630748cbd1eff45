"""Journal officiel PDFs read as well as the curated Markdown, with their pages."""

import io
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from conftest import FakeDocumentEmbedder, FakeTextEmbedder
from evals.pdf_parity import PAIRS, parity
from ingest.index import Index
from ingest.markdown import ParseError
from ingest.documents import read_document
from ingest.layout import guess_metadata, to_markdown
from ingest.pdf import ScannedPdf
from ingest.sources import add_file, library
from ingest.store import open_client
from search.searcher import Searcher

CONSTITUTION_PDF, _ = PAIRS[0]
pytestmark = pytest.mark.skipif(not CONSTITUTION_PDF.exists(), reason="the Journal officiel PDFs are not beside the repo")


@pytest.mark.parametrize("pdf,markdown", PAIRS, ids=lambda p: p.name)
def test_pdf_reading_matches_the_curated_markdown(pdf, markdown):
    figures = parity(pdf, markdown)
    assert figures["id_parity"] >= 0.98, figures["missing"]
    assert figures["median_similarity"] >= 0.95


def test_every_article_knows_its_pages():
    _, articles = read_document(CONSTITUTION_PDF)
    reader = PdfReader(CONSTITUTION_PDF)
    numbered = [a for a in articles if a.numbered]
    assert all(a.pages for a in numbered)
    for article in numbered[::20]:
        first_words = " ".join(article.text.split()[:6])
        page_text = " ".join(reader.pages[article.pages[0] - 1].extract_text().split())
        assert first_words in page_text, (article.key, article.pages)


def test_heading_shapes_and_running_headers():
    pages = [
        "JOURNAL OFFICIEL DE LA REPUBLIQUE DU MALI 2\nLIVRE I\nDES DISPOSITIONS GENERALES\nTITRE I : DE LA LOI\n"
        "ARTICLE PREMIER : La loi est la même pour tous.\nArt. 2.- Nul n’est au-dessus\nde la loi.\n",
        "JOURNAL OFFICIEL DE LA REPUBLIQUE DU MALI 3\nArticle 3 bis : Texte trois.\n1°) un alinéa ;\n"
        "Article 327-12 : Le mariage d’enfant est puni, ci-\ndessus.\n",
        "JOURNAL OFFICIEL DE LA REPUBLIQUE DU MALI 4\nArticle 4 :\nTexte quatre.\n",
    ]
    markdown = to_markdown(pages)
    assert "JOURNAL OFFICIEL" not in markdown
    assert "# LIVRE I DES DISPOSITIONS GENERALES" in markdown
    assert "## Article premier" in markdown and "## Article 3 bis" in markdown and "## Article 327-12" in markdown
    assert "Nul n’est au-dessus de la loi." in markdown
    assert "est puni, ci-dessus." in markdown
    assert "Texte trois.\n\n1°) un alinéa ;" in markdown


def test_metadata_is_read_from_the_opening_lines():
    meta = guess_metadata("JOURNAL OFFICIEL DE LA REPUBLIQUE DU MALI\nLOI N°2024-027 DU 13 DECEMBRE 2024 PORTANT "
                          "CODE PENAL\n<!-- page 2 -->", "x")
    assert meta == {"title": "LOI N°2024-027 DU 13 DECEMBRE 2024 PORTANT CODE PENAL", "short_title": "Loi n°2024-027",
                    "kind": "loi", "adopted": "2024-12-13", "jurisdiction": "Mali"}


def blank_pdf(path: Path, pages: int = 2) -> Path:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    writer.write(path)
    return path


@pytest.mark.parametrize("content,message", [
    (b"", "vide"),
    (b"\x89PNG\r\n" + bytes(range(256)) * 40, "ce n’est pas un PDF"),
    (None, "illisible"),  # truncated copy of a real PDF
])
def test_bad_pdfs_get_a_french_message(tmp_path, content, message):
    path = tmp_path / "mauvais.pdf"
    path.write_bytes(CONSTITUTION_PDF.read_bytes()[:30000] if content is None else content)
    with pytest.raises(ParseError, match=message):
        read_document(path)


def test_a_scan_without_text_is_recognised(tmp_path):
    with pytest.raises(ScannedPdf, match="scanné"):
        read_document(blank_pdf(tmp_path / "scan.pdf"))


def test_an_encrypted_pdf_is_refused_in_french(tmp_path):
    writer = PdfWriter(clone_from=CONSTITUTION_PDF)
    writer.encrypt(user_password="secret", algorithm="AES-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    path = tmp_path / "protege.pdf"
    path.write_bytes(buffer.getvalue())
    with pytest.raises(ParseError, match="mot de passe"):
        read_document(path)


def test_an_added_pdf_becomes_searchable_and_cited_with_pages(settings):
    source = add_file(CONSTITUTION_PDF, settings, {"short_title": "Constitution (JO)"})
    assert source.path.suffix == ".md" and (settings.data_dir / "ajouts" / "originaux" / "mali-constitution-2023-jo.pdf").exists()
    assert [s.path for s in library(settings)] == [source.path]
    client = open_client(settings)
    try:
        Index(settings, client).sync(library(settings), FakeDocumentEmbedder)
        hit = Searcher(Index(settings, client), FakeTextEmbedder).search(
            "Tous les Maliens naissent et demeurent libres et égaux en droits et en devoirs", mode="sparse").hits[0]
    finally:
        client.close()
    assert hit.pages == [2]
    assert hit.citation == "Constitution (JO), art. 1, p. 2"
