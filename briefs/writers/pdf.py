"""PDF export with fpdf2 and the DejaVu fonts embedded.

Why fpdf2: pure Python (no Pango, Cairo or browser to install on an office laptop), it
embeds a Unicode TrueType font so accents, ’ « » and the narrow no-break space print and
copy out correctly, and text is placed as text — there is no HTML or Markdown step, so
nothing typed by a user can be interpreted as markup.
"""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace

from briefs.document import Bullets, Document, Paragraph, QuizQuestion, Quote, Table
from briefs.typography import clean
from briefs.writers.atomic import atomic_path

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"),
             Path("/usr/local/share/fonts/dejavu"))
FAMILIES = {
    "serif": {"": "DejaVuSerif.ttf", "B": "DejaVuSerif-Bold.ttf", "I": "DejaVuSerif-Italic.ttf"},
    "sans": {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf", "I": "DejaVuSans-Oblique.ttf"},
}  # only the faces used: each one takes a few tenths of a second to load
ACCENT = (122, 31, 61)
GREY = (90, 90, 90)
QUOTE_FILL = (245, 241, 236)


class FontMissing(RuntimeError):
    """The DejaVu fonts are not installed; the message is for the user."""


def font_dir() -> Path:
    for folder in FONT_DIRS:
        if (folder / "DejaVuSerif.ttf").is_file():
            return folder
    try:
        import matplotlib  # carries DejaVu in its data folder when installed

        folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
        if (folder / "DejaVuSerif.ttf").is_file():
            return folder
    except ImportError:
        pass
    raise FontMissing("Les polices DejaVu sont introuvables : installez le paquet « fonts-dejavu-core » "
                      "(sudo apt-get install fonts-dejavu-core) pour produire des PDF.")


class _Pdf(FPDF):
    def __init__(self, source: str):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.source = source
        folder = font_dir()
        for family, styles in FAMILIES.items():
            for style, name in styles.items():
                if (folder / name).is_file():
                    self.add_font(family, style, str(folder / name))
                else:
                    self.add_font(family, style, str(folder / styles[""]))
        self.set_margins(22, 20, 22)
        self.set_auto_page_break(True, margin=22)
        self.alias_nb_pages()
        self.set_lang("fr")

    def footer(self) -> None:
        self.set_y(-16)
        self.set_font("sans", "", 7.5)
        self.set_text_color(*GREY)
        self.multi_cell(0, 3.6, self.source, align="C", new_x="LMARGIN", new_y="NEXT")
        self.set_font("sans", "", 8)
        self.cell(0, 4, f"Page {self.page_no()} sur {{nb}}", align="C")
        self.set_text_color(0, 0, 0)


def _keep(pdf: _Pdf, height: float) -> None:
    """Starts a new page rather than leave a heading alone at the bottom."""
    if pdf.will_page_break(height):
        pdf.add_page()


def _heading(pdf: _Pdf, text: str, level: int = 1) -> None:
    _keep(pdf, 30)
    pdf.ln(3 if level == 1 else 1.5)
    pdf.set_font("sans", "B", 13 if level == 1 else 10.5)
    pdf.set_text_color(*ACCENT)
    pdf.multi_cell(0, 6.5 if level == 1 else 5.5, clean(text), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.ln(1)


def _paragraph(pdf: _Pdf, text: str, italic: bool = False, size: float = 10.5, color=(0, 0, 0)) -> None:
    if text.rstrip().endswith(":"):
        _keep(pdf, 28)  # an introduction stays with what it introduces
    pdf.set_font("serif", "I" if italic else "", size)
    pdf.set_text_color(*color)
    pdf.multi_cell(0, 5.2, clean(text), align="J", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.ln(1.8)


def _quote(pdf: _Pdf, quote: Quote) -> None:
    pdf.set_font("serif", "", 10)
    pdf.set_fill_color(*QUOTE_FILL)
    left = pdf.l_margin
    width = pdf.w - pdf.l_margin - pdf.r_margin - 6
    blocks = [b for b in clean(quote.text).split("\n\n") if b.strip()]
    for n, block in enumerate(blocks):
        _keep(pdf, 12)
        if n:
            pdf.set_x(left + 6)
            pdf.cell(width, 1.8, "", fill=True, new_x="LMARGIN", new_y="NEXT")
        pdf.set_x(left + 6)
        pdf.multi_cell(width, 5, block, align="L", fill=True, new_x="LMARGIN", new_y="NEXT")
    if quote.truncated:
        pdf.set_x(left + 6)
        pdf.multi_cell(width, 5, "[…]", align="L", fill=True, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("sans", "I", 8.5)
    pdf.set_text_color(*ACCENT)
    pdf.multi_cell(0, 4.6, "— " + clean(quote.citation), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    if quote.comment.strip():
        pdf.set_font("serif", "B", 9.5)
        pdf.write(4.8, "Note : ")
        pdf.set_font("serif", "", 9.5)
        pdf.write(4.8, clean(quote.comment))
        pdf.ln(5)
    pdf.ln(2.5)


def _bullets(pdf: _Pdf, block: Bullets) -> None:
    pdf.set_font("serif", "", 10.5)
    for n, item in enumerate(block.items, 1):
        mark = f"{n}." if block.numbered else "•"
        pdf.set_x(pdf.l_margin + 2)
        pdf.cell(6, 5.2, mark)
        pdf.multi_cell(0, 5.2, clean(item), align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(0.8)
    pdf.ln(1.5)


def _table(pdf: _Pdf, table: Table) -> None:
    pdf.set_font("serif", "", 9.5)
    widths = (12, 60, 98) if len(table.header) == 3 else None
    heading = FontFace(family="sans", emphasis="BOLD", size_pt=9, color=ACCENT, fill_color=QUOTE_FILL)
    with pdf.table(col_widths=widths, text_align="LEFT", line_height=5.2, headings_style=heading) as grid:
        head = grid.row()
        for text in table.header:
            head.cell(clean(text))
        for row in table.rows:
            line = grid.row()
            for text in row:
                line.cell(clean(text))
    pdf.ln(3)


def _question(pdf: _Pdf, block: QuizQuestion) -> None:
    lines = len(block.prompt) // 85 + 1 + sum(len(c) // 80 + 1 for c in block.choices)
    _keep(pdf, lines * 5.2 + 8)  # a question and its choices on the same page
    pdf.set_font("sans", "B", 10)
    pdf.write(5.2, f"Question {block.number}. ")
    pdf.set_font("serif", "", 10.5)
    pdf.write(5.2, clean(block.prompt))
    pdf.ln(6)
    for i, choice in enumerate(block.choices):
        pdf.set_x(pdf.l_margin + 8)
        pdf.multi_cell(0, 5.2, f"{chr(97 + i)}) {clean(choice)}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2.5)


def render(doc: Document) -> bytes:
    pdf = _Pdf(clean(doc.source))
    pdf.set_title(clean(doc.title))
    pdf.set_author("Musoya")
    pdf.set_creator("Musoya")
    pdf.add_page()
    pdf.set_font("sans", "B", 18)
    pdf.set_text_color(*ACCENT)
    pdf.multi_cell(0, 8.5, clean(doc.title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    if doc.subtitle:
        _paragraph(pdf, doc.subtitle, italic=True, size=11.5)
    if doc.date and doc.date not in doc.subtitle:
        _paragraph(pdf, doc.date, size=9.5, color=GREY)
    for warning in doc.warnings:
        _paragraph(pdf, "Attention : " + warning, size=10, color=ACCENT)
    for section in doc.sections:
        if section.heading:
            _heading(pdf, section.heading)
        else:
            pdf.ln(4)
        for block in section.blocks:
            if isinstance(block, Quote):
                _quote(pdf, block)
            elif isinstance(block, Paragraph):
                _paragraph(pdf, block.text, italic=block.placeholder, color=GREY if block.placeholder else (0, 0, 0))
            elif isinstance(block, Bullets):
                _bullets(pdf, block)
            elif isinstance(block, QuizQuestion):
                _question(pdf, block)
            elif isinstance(block, Table):
                _table(pdf, block)
    if doc.annex:
        pdf.add_page()
        _heading(pdf, doc.annex_heading)
        for quote in doc.annex:
            _heading(pdf, quote.citation, level=2)
            _quote(pdf, Quote(quote.text, quote.citation))
    return bytes(pdf.output())


def write(doc: Document, path) -> None:
    data = render(doc)
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
