"""Word export with python-docx: French language tags, quotes set apart, « Page N sur M » footer."""

from __future__ import annotations

from docx import Document as new_docx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from briefs.document import Bullets, Document, Paragraph, QuizQuestion, Quote, Table
from briefs.typography import clean
from briefs.writers.atomic import atomic_path

GREY = RGBColor(0x55, 0x55, 0x55)
ACCENT = RGBColor(0x7A, 0x1F, 0x3D)


def _language(document) -> None:
    """Marks the document as French, so Word checks spelling and hyphenates in French."""
    for lang in document.styles.element.iter(qn("w:lang")):
        lang.set(qn("w:val"), "fr-FR")


def _field(paragraph, instruction: str) -> None:
    """A PAGE or NUMPAGES field, updated by Word when the document is opened or printed."""
    run = paragraph.add_run()
    for kind in ("begin", None, "separate", "1", "end"):
        if kind is None:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = f" {instruction} "
        elif kind == "1":
            element = OxmlElement("w:t")
            element.text = "1"
        else:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        run._r.append(element)


def _footer(section, source: str) -> None:
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = footer.add_run(clean(source) + " — ")
    run.font.size = Pt(8)
    run.font.color.rgb = GREY
    footer.add_run("Page ").font.size = Pt(8)
    _field(footer, "PAGE")
    footer.add_run(" sur ").font.size = Pt(8)
    _field(footer, "NUMPAGES")
    for r in footer.runs:
        r.font.size = Pt(8)


def _text(paragraph, text: str, italic: bool = False, bold: bool = False, size: float | None = None):
    run = paragraph.add_run(clean(text))
    run.italic = italic
    run.bold = bold
    if size:
        run.font.size = Pt(size)
    return run


def _quote(document, quote: Quote) -> None:
    for block in clean(quote.text).split("\n\n"):
        if not block.strip():
            continue
        p = document.add_paragraph(style="Quote")
        p.paragraph_format.left_indent = Cm(1)
        p.add_run(block)  # verbatim: single line breaks become Word line breaks, nothing else changes
    if quote.truncated:
        document.add_paragraph("[…]", style="Quote").paragraph_format.left_indent = Cm(1)
    cite = document.add_paragraph()
    cite.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _text(cite, "— " + quote.citation, italic=True, size=9).font.color.rgb = ACCENT
    if quote.comment.strip():
        note = document.add_paragraph()
        _text(note, "Note : ", bold=True, size=10)
        _text(note, quote.comment, size=10)


def _table(document, table: Table) -> None:
    grid = document.add_table(rows=1, cols=len(table.header))
    grid.style = "Table Grid"
    for cell, text in zip(grid.rows[0].cells, table.header):
        cell.text = ""
        _text(cell.paragraphs[0], text, bold=True)
    for row in table.rows:
        cells = grid.add_row().cells
        for cell, text in zip(cells, row):
            cell.text = clean(text)
    document.add_paragraph()


def write(doc: Document, path) -> None:
    document = new_docx()
    _language(document)
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.2)
    section.top_margin = section.bottom_margin = Cm(2)
    document.core_properties.title = clean(doc.title)[:255]  # the format allows no more
    document.core_properties.language = "fr-FR"
    document.core_properties.author = "Musoya"
    _footer(section, doc.source)

    document.add_heading(clean(doc.title), level=0)
    if doc.subtitle:
        _text(document.add_paragraph(), doc.subtitle, italic=True, size=12)
    if doc.date and doc.date not in doc.subtitle:
        _text(document.add_paragraph(), doc.date, size=10).font.color.rgb = GREY
    for warning in doc.warnings:
        p = document.add_paragraph()
        _text(p, "Attention : ", bold=True).font.color.rgb = ACCENT
        _text(p, warning)
    for part in doc.sections:
        if part.heading:
            document.add_heading(clean(part.heading), level=1)
        for block in part.blocks:
            if isinstance(block, Quote):
                _quote(document, block)
            elif isinstance(block, Paragraph):
                _text(document.add_paragraph(), block.text, italic=block.placeholder).font.color.rgb = (
                    GREY if block.placeholder else None)
            elif isinstance(block, Bullets):
                for item in block.items:
                    document.add_paragraph(clean(item), style="List Number" if block.numbered else "List Bullet")
            elif isinstance(block, QuizQuestion):
                p = document.add_paragraph()
                _text(p, f"Question {block.number}. ", bold=True)
                p.add_run(clean(block.prompt))
                for i, choice in enumerate(block.choices):
                    c = document.add_paragraph()
                    c.paragraph_format.left_indent = Cm(1)
                    _text(c, f"{chr(97 + i)}) {choice}")
            elif isinstance(block, Table):
                _table(document, block)
    if doc.annex:
        document.add_page_break()
        document.add_heading(clean(doc.annex_heading), level=1)
        for quote in doc.annex:
            document.add_heading(clean(quote.citation), level=2)
            _quote(document, Quote(quote.text, quote.citation))
    with atomic_path(path) as tmp:
        document.save(str(tmp))
