"""Exports read back: every cited reference and its verbatim text, accents, page numbers,
hostile typed text kept literal, atomic writes. PDF pages are also rendered to PNG under
data/artefacts/exports/ so a person can look at them."""

from __future__ import annotations

import re
import zipfile
from datetime import date

import pytest
from docx import Document as read_docx
from pptx import Presentation
from pypdf import PdfReader

from briefs.compose import compose_brief, compose_kit, explanation_field
from briefs.document import Quote
from briefs.typography import NNBSP
from briefs.writers import export
from conftest import bundle
from musoya.settings import ROOT

ARTEFACTS = ROOT / "data" / "artefacts" / "exports"
STEMS = ("mali-code-penal-2024", "un-cde-1989", "un-cedef-1979", "un-convention-supplementaire-esclavage-1956")
REFERENCES = [
    ("mali-code-penal-2024", "327-12", "L’âge retenu est seize ans : l’écart avec la CDE est net."),
    ("mali-code-penal-2024", "327-11", ""),
    ("un-cedef-1979", "16", "Égalité dans le mariage."),
    ("un-cde-1989", "1", ""),
    ("un-convention-supplementaire-esclavage-1956", "2", ""),
]
HOSTILE = {
    "script": "<script>alert(1)</script>",
    "markdown": "**gras** _italique_ [lien](http://exemple.org) # pas un titre",
    "control": "avant\x00\x07\x1b\ud83dapres",
}
LONG = "Témoignage recueilli à Ségou. " * 340  # about 10 000 characters


@pytest.fixture
def library(settings):
    bundle(settings, *STEMS)
    return settings


def documents(settings):
    fields = {"titre": "Mariage d’enfants au Mali", "destinataire": "Madame la Ministre",
              "resume": "Le mariage d'enfants reste fréquent : que faire ?",
              "recommandations": "- Porter l’âge à dix-huit ans\n- Former les officiers d’état civil"}
    today = date(2026, 11, 29)
    docs = {t: compose_brief(settings, REFERENCES, t, fields, today=today)
            for t in ("note-courte", "note-detaillee", "lettre")}
    kit_fields = {"titre": "Atelier de Ségou", explanation_field(("un-cde-1989", "1")): "Un enfant a moins de 18 ans."}
    docs["kit"], _ = compose_kit(settings, REFERENCES, kit_fields, seed=3, today=today)
    return docs


def normalise(text: str) -> str:
    """Only what line wrapping changes: line ends (and a hyphen left at one) become nothing or a space."""
    text = re.sub(r"(?<=\w-)\n", "", text)
    return " ".join(text.split())


def pdf_pages(path) -> list[str]:
    return [page.extract_text() for page in PdfReader(path).pages]


def docx_text(path) -> tuple[list[str], str]:
    document = read_docx(path)
    paragraphs = [p.text for p in document.paragraphs]
    for table in document.tables:
        paragraphs += [cell.text for row in table.rows for cell in row.cells]
    footer = "".join(p.text for p in document.sections[0].footer.paragraphs)
    return paragraphs, footer


def pptx_paragraphs(path) -> list[str]:
    found = []
    for slide in Presentation(path).slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                found += [p.text for p in shape.text_frame.paragraphs]
            if shape.has_table:
                found += [c.text for row in shape.table.rows for c in row.cells]
    return found


def md_plain(text: str) -> str:
    """The Markdown as a reader sees it: quote markers and escapes removed."""
    lines = [re.sub(r"^> ?", "", line) for line in text.split("\n")]
    return re.sub(r"\\([\\`*_\[\]<>&~|#>+=-])", r"\1", "\n".join(lines))


def verbatim_paragraphs(quote: Quote) -> list[str]:
    return [p for p in quote.text.split("\n\n") if p.strip()]


@pytest.mark.parametrize("name", ["note-courte", "note-detaillee", "lettre", "kit"])
def test_every_format_carries_every_citation_and_verbatim_text(library, tmp_path, name):
    doc = documents(library)[name]
    quotes = doc.quotes()
    assert quotes, "the document quotes the dossier's articles"
    formats = ("md", "docx", "pdf", "pptx") if name == "kit" else ("md", "docx", "pdf")
    for fmt in formats:
        path = export(doc, tmp_path / f"{name}.{fmt}")
        if fmt == "md":
            plain = md_plain(path.read_text(encoding="utf-8"))
            for q in quotes:
                assert q.citation in plain
                assert all(p in plain for p in verbatim_paragraphs(q)), q.citation
            assert "29 novembre 2026" in plain
        elif fmt == "docx":
            paragraphs, footer = docx_text(path)
            for q in quotes:
                assert any(q.citation in p for p in paragraphs)
                for p in verbatim_paragraphs(q):
                    assert p in paragraphs, f"{q.citation}: paragraph not found verbatim"
            assert "Page" in footer and "sur" in footer
            xml = zipfile.ZipFile(path).read("word/footer1.xml").decode()
            assert "NUMPAGES" in xml and " PAGE " in xml
        elif fmt == "pdf":
            pages = pdf_pages(path)
            whole = normalise("\n".join(pages))
            for q in quotes:
                assert normalise(q.citation) in whole
                for p in verbatim_paragraphs(q):
                    assert normalise(p) in whole, f"{q.citation}: « {p[:60]} » not found"
            for number, text in enumerate(pages, 1):
                assert f"Page {number} sur {len(pages)}" in text
                body = text.replace(f"Page {number} sur {len(pages)}", "").replace(doc.source, "")
                assert len(normalise(body)) > 40, f"page {number} is empty"
            assert "é" in whole and "’" in whole
        else:
            paragraphs = pptx_paragraphs(path)
            for q in quotes:
                assert any(q.citation in p for p in paragraphs)
                for p in verbatim_paragraphs(q):
                    assert p in paragraphs
            assert any(re.search(r"\d+ / \d+$", p) for p in paragraphs)


def test_pdf_pages_rendered_for_review(library):
    import pypdfium2 as pdfium

    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    for name, doc in documents(library).items():
        path = export(doc, ARTEFACTS / f"{name}.pdf")
        pdf = pdfium.PdfDocument(str(path))
        for index in range(len(pdf)):
            image = pdf[index].render(scale=1.2).to_pil()
            target = ARTEFACTS / f"{name}-page{index + 1}.png"
            image.save(target)
            assert image.getbbox() is not None and target.stat().st_size > 10_000
        pdf.close()
        if name == "kit":
            export(doc, ARTEFACTS / f"{name}.pptx")
        export(doc, ARTEFACTS / f"{name}.docx")


def test_note_courte_fits_on_one_page_before_the_annex(library, tmp_path):
    pages = pdf_pages(export(documents(library)["note-courte"], tmp_path / "n.pdf"))
    assert "Recommandations" in pages[0]
    assert "Annexe" not in pages[0] and "Annexe" in pages[1]


def test_quotes_stay_byte_identical_while_typed_text_is_typeset(library, tmp_path):
    doc = documents(library)["note-detaillee"]
    paragraphs, _ = docx_text(export(doc, tmp_path / "n.docx"))
    # The advocate's text gets French spacing and apostrophes...
    assert f"Le mariage d’enfants reste fréquent{NNBSP}: que faire{NNBSP}?" in paragraphs
    # ...the CEDEF's own « à: » (no space, as in the corpus) is left alone.
    cedef = next(q for q in doc.annex if q.citation.startswith("CEDEF"))
    assert "s’engagent" in cedef.text or "assurent" in cedef.text
    assert any(p.endswith("de la femme:") for p in paragraphs)
    assert not any(f"de la femme{NNBSP}:" in p for p in paragraphs)


def hostile_documents(settings):
    long_fields = {"resume": LONG, "contexte": "\n\n".join(HOSTILE.values()),
                   "recommandations": "\n".join(HOSTILE.values()), "titre": HOSTILE["script"],
                   "objet": HOSTILE["markdown"], "corps": HOSTILE["control"] + "\n\n" + LONG}
    references = [(i, k, HOSTILE["script"] + " " + HOSTILE["markdown"]) for i, k, _ in REFERENCES[:2]]
    docs = {t: compose_brief(settings, references, t, long_fields) for t in ("note-detaillee", "lettre")}
    kit_fields = {"titre": HOSTILE["markdown"], "etude_de_cas": LONG + HOSTILE["control"],
                  "questions": "\n".join(HOSTILE.values()),
                  explanation_field(references[0][:2]): HOSTILE["script"] + "\n## Article 99\n" + LONG}
    docs["kit"], _ = compose_kit(settings, references, kit_fields)
    return docs


def test_hostile_typed_text_comes_out_literal_everywhere(library, tmp_path):
    from markdown_it import MarkdownIt

    for name, doc in hostile_documents(library).items():
        for fmt in ("md", "docx", "pdf", "pptx"):
            path = export(doc, tmp_path / f"{name}.{fmt}")
            if fmt == "md":
                html = MarkdownIt("commonmark").render(path.read_text(encoding="utf-8"))
                assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
                assert "<strong>gras</strong>" not in html and "**gras**" in html
                assert '<a href="http://exemple.org"' not in html
                assert "\x00" not in html and "\x07" not in html
            elif fmt == "docx":
                text = "\n".join(docx_text(path)[0])
                assert HOSTILE["script"] in text and "**gras**" in text and "avantapres" in text
                assert "\x00" not in zipfile.ZipFile(path).read("word/document.xml").decode()
            elif fmt == "pdf":
                whole = normalise("\n".join(pdf_pages(path)))
                assert HOSTILE["script"] in whole and "**gras**" in whole
            else:
                text = "\n".join(pptx_paragraphs(path))
                assert HOSTILE["script"] in text and "**gras**" in text


def test_failed_export_leaves_the_previous_file_untouched(library, tmp_path, monkeypatch):
    from briefs.writers import docx as docx_writer

    doc = documents(library)["note-courte"]
    path = export(doc, tmp_path / "exports" / "note.docx")
    good = path.read_bytes()

    def broken_save(self, target):
        with open(target, "wb") as handle:
            handle.write(b"PK\x03\x04 half a file")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(docx_writer.new_docx().__class__, "save", broken_save)
    with pytest.raises(OSError):
        export(doc, path)
    assert path.read_bytes() == good
    assert [p.name for p in path.parent.iterdir()] == ["note.docx"]  # no temporary file left behind


def test_unknown_format_is_refused_in_french(library, tmp_path):
    with pytest.raises(ValueError, match="Format inconnu"):
        export(documents(library)["lettre"], tmp_path / "x.odt")


def test_bytes_for_a_download_button_match_the_file(library, tmp_path):
    from briefs.writers import render_bytes

    doc = documents(library)["note-courte"]
    data = render_bytes(doc, "md")
    assert data == export(doc, tmp_path / "n.md").read_bytes()
    assert render_bytes(doc, "pdf").startswith(b"%PDF")
