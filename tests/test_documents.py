"""Word, web pages, plain text in old encodings, and scans: all become citable articles."""

import os
import zipfile

import pytest

from evals.pdf_parity import PAIRS, parity
from ingest.documents import as_markdown, decode_text, read_document
from ingest.markdown import ParseError, parse_text
from ingest.pdf import ocr_available

LAW = (
    "LOI N°2015-052 DU 18 DECEMBRE 2015 INSTITUANT DES MESURES POUR PROMOUVOIR LE GENRE\n"
    "CHAPITRE I : DISPOSITIONS GENERALES\n"
    "Article 1er : La présente loi institue des mesures pour promouvoir le genre.\n"
    "Article 2 : Lors des nominations, la proportion de personnes de l’un ou l’autre sexe ne doit pas "
    "être inférieure à 30 %.\n"
)


def test_word_document(tmp_path):
    import docx

    document = docx.Document()
    for line in LAW.splitlines():
        document.add_paragraph(line)
    path = tmp_path / "loi quota.docx"
    document.save(path)
    instrument, articles = read_document(path)
    assert instrument.short_title == "Loi n°2015-052" and instrument.adopted == "2015-12-18"
    by_id = {a.article: a for a in articles}
    assert by_id["2"].text.endswith("ne doit pas être inférieure à 30 %.")
    assert by_id["1"].hierarchy == ["CHAPITRE I : DISPOSITIONS GENERALES"]


def test_a_zip_named_docx_is_refused(tmp_path):
    path = tmp_path / "faux.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("photo.txt", "pas un document")
    with pytest.raises(ParseError, match="pas un document Word"):
        read_document(path)


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1", "utf-8"])
def test_plain_text_in_old_encodings(tmp_path, encoding):
    path = tmp_path / "loi.txt"
    path.write_bytes(LAW.replace("’", "'").encode(encoding))
    _, articles = read_document(path)
    assert "inférieure à 30 %" in {a.article: a for a in articles}["2"].text


def test_web_page_without_scripts(tmp_path):
    page = "<html><head><title>Loi</title><script>alert('x')</script></head><body>" + "".join(
        f"<p>{line}</p>" for line in LAW.splitlines()) + "</body></html>"
    path = tmp_path / "loi.html"
    path.write_text(page, encoding="utf-8")
    markdown = as_markdown(path)
    assert "alert" not in markdown
    _, articles = read_document(path)
    assert [a.article for a in articles if a.numbered] == ["1", "2"]


def test_binary_noise_is_not_text():
    with pytest.raises(ParseError):
        decode_text(bytes(range(256)) * 50)


def test_text_without_articles_is_refused(tmp_path):
    path = tmp_path / "note.txt"
    path.write_text("Une simple note sans article.", encoding="utf-8")
    with pytest.raises(ParseError, match="aucun article"):
        read_document(path)


def test_user_metadata_wins(tmp_path):
    path = tmp_path / "loi.txt"
    path.write_text(LAW, encoding="utf-8")
    instrument, _ = read_document(path, metadata={"short_title": "Loi quota", "jurisdiction": "Mali", "kind": ""})
    assert (instrument.short_title, instrument.jurisdiction, instrument.kind) == ("Loi quota", "Mali", "loi")


@pytest.mark.integration
def test_a_scanned_constitution_is_read_by_ocr(tmp_path):
    """Rasterise the Journal officiel PDF, keep only the images, and read it back."""
    if not ocr_available():
        if os.environ.get("CI"):
            pytest.fail("Tesseract (fra) must be installed by .ci/run")
        pytest.skip("Tesseract with French data is not installed")
    import pypdfium2

    pdf, markdown = PAIRS[0]
    if not pdf.exists():
        pytest.skip("the Journal officiel PDFs are not beside the repo")
    document = pypdfium2.PdfDocument(str(pdf))
    images = [page.render(scale=200 / 72).to_pil().convert("L") for page in document]
    document.close()
    scan = tmp_path / "constitution-scannee.pdf"
    images[0].save(scan, save_all=True, append_images=images[1:], resolution=200)
    text = as_markdown(scan)  # the slow part: one OCR pass over 17 pages
    _, articles = parse_text(text, scan.stem)
    figures = parity(scan, markdown, articles)
    print(figures)
    assert figures["id_parity"] >= 0.90, figures["missing"]
    assert "reconnaissance de caractères" in text[:800]
    assert all(a.pages for a in articles if a.numbered)
