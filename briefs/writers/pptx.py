"""Slides for a workshop (python-pptx): title, objectives, one slide per key article with the
verbatim quote and its reference, the quiz one question per slide, then the answer key."""

from __future__ import annotations

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.util import Cm, Pt

from briefs.document import Block, Bullets, Document, Paragraph, QuizQuestion, Quote, Table
from briefs.typography import clean
from briefs.writers.atomic import atomic_path

ACCENT = RGBColor(0x7A, 0x1F, 0x3D)
GREY = RGBColor(0x59, 0x59, 0x59)
WIDTH, HEIGHT = Cm(33.867), Cm(19.05)  # 16:9
MARGIN = Cm(1.5)
SLIDE_CHARS = 900  # a longer article continues on the next slide, paragraph by paragraph
ROWS_PER_SLIDE = 7


def _size(chars: int) -> int:
    return 24 if chars < 250 else 20 if chars < 450 else 17 if chars < 700 else 14


class _Deck:
    def __init__(self, doc: Document):
        self.doc = doc
        self.prs = Presentation()
        self.prs.slide_width, self.prs.slide_height = WIDTH, HEIGHT
        self.blank = self.prs.slide_layouts[6]

    def slide(self, title: str):
        slide = self.prs.slides.add_slide(self.blank)
        box = slide.shapes.add_textbox(MARGIN, Cm(0.8), WIDTH - 2 * MARGIN, Cm(2.2))
        frame = box.text_frame
        frame.word_wrap = True
        run = frame.paragraphs[0].add_run()
        run.text = clean(title)
        run.font.size, run.font.bold, run.font.color.rgb = Pt(28), True, ACCENT
        return slide

    def body(self, slide, top=Cm(3.2), height=Cm(13.6)):
        box = slide.shapes.add_textbox(MARGIN, top, WIDTH - 2 * MARGIN, height)
        frame = box.text_frame
        frame.word_wrap = True
        frame.vertical_anchor = MSO_ANCHOR.TOP
        return frame

    @staticmethod
    def line(frame, text: str, size: int = 20, bold=False, italic=False, color=None, first=False,
             align=PP_ALIGN.LEFT):
        paragraph = frame.paragraphs[0] if first else frame.add_paragraph()
        paragraph.alignment = align
        run = paragraph.add_run()
        run.text = text
        run.font.size, run.font.bold, run.font.italic = Pt(size), bold, italic
        if color is not None:
            run.font.color.rgb = color
        paragraph.space_after = Pt(6)
        return paragraph

    def title_slide(self) -> None:
        slide = self.prs.slides.add_slide(self.blank)
        frame = self.body(slide, Cm(5.5), Cm(8))
        self.line(frame, clean(self.doc.title), 40, bold=True, color=ACCENT, first=True)
        if self.doc.subtitle:
            self.line(frame, clean(self.doc.subtitle), 22, italic=True)
        if self.doc.date and self.doc.date not in self.doc.subtitle:
            self.line(frame, clean(self.doc.date), 16, color=GREY)

    def quote_slides(self, quote: Quote, explanation: list[Block]) -> None:
        pages: list[list[str]] = [[]]
        for paragraph in [p for p in clean(quote.text).split("\n\n") if p.strip()]:
            if pages[-1] and sum(map(len, pages[-1])) + len(paragraph) > SLIDE_CHARS:
                pages.append([])
            pages[-1].append(paragraph)
        for n, page in enumerate(pages):
            slide = self.slide(quote.citation + (" (suite)" if n else ""))
            frame = self.body(slide, height=Cm(10.5) if explanation else Cm(13.6))
            size = _size(sum(map(len, page)))
            for i, paragraph in enumerate(page):
                self.line(frame, paragraph, size, first=i == 0)  # verbatim
            if n == len(pages) - 1:
                self.line(frame, "— " + clean(quote.citation), 14, italic=True, color=ACCENT, align=PP_ALIGN.RIGHT)
                if quote.comment.strip():
                    self.line(frame, "Note : " + clean(quote.comment), 14, color=GREY)
                if explanation:
                    self.explanation(slide, explanation)
            slide.notes_slide.notes_text_frame.text = clean(quote.citation)

    def explanation(self, slide, blocks: list[Block]) -> None:
        frame = self.body(slide, Cm(14), Cm(3.5))
        text = " ".join(clean(b.text) if isinstance(b, Paragraph) else " ; ".join(map(clean, b.items))
                        for b in blocks if isinstance(b, (Paragraph, Bullets)))
        self.line(frame, "En mots simples : ", 16, bold=True, color=ACCENT, first=True)
        run = frame.paragraphs[0].add_run()
        run.text = text
        run.font.size = Pt(16 if len(text) < 300 else 13)
        run.font.italic = any(isinstance(b, Paragraph) and b.placeholder for b in blocks)

    def text_slide(self, heading: str, blocks: list[Block]) -> None:
        items: list[tuple[str, bool]] = []
        for block in blocks:
            if isinstance(block, Paragraph):
                items.append((clean(block.text), block.placeholder))
            elif isinstance(block, Bullets):
                items += [(("• " if not block.numbered else f"{n}. ") + clean(item), False)
                          for n, item in enumerate(block.items, 1)]
        for start in range(0, max(len(items), 1), 8):
            chunk = items[start : start + 8]
            slide = self.slide(heading if not start else f"{heading} (suite)")
            frame = self.body(slide)
            size = _size(sum(len(t) for t, _ in chunk))
            for i, (text, placeholder) in enumerate(chunk):
                self.line(frame, text, size, italic=placeholder, color=GREY if placeholder else None, first=i == 0)

    def question_slide(self, block: QuizQuestion) -> None:
        slide = self.slide(f"Quiz — question {block.number}")
        frame = self.body(slide)
        self.line(frame, clean(block.prompt), _size(len(block.prompt)) + 2, first=True)
        for i, choice in enumerate(block.choices):
            self.line(frame, f"{chr(97 + i)}) {clean(choice)}", 22)
        slide.notes_slide.notes_text_frame.text = f"Source : {clean(block.citation)}"

    def table_slides(self, heading: str, table: Table) -> None:
        for start in range(0, len(table.rows), ROWS_PER_SLIDE):
            rows = table.rows[start : start + ROWS_PER_SLIDE]
            slide = self.slide(heading if not start else f"{heading} (suite)")
            shape = slide.shapes.add_table(len(rows) + 1, len(table.header), MARGIN, Cm(3.4),
                                           WIDTH - 2 * MARGIN, Cm(1.2) * (len(rows) + 1))
            grid = shape.table
            widths = [0.08, 0.32, 0.60] if len(table.header) == 3 else [1 / len(table.header)] * len(table.header)
            for col, share in enumerate(widths):
                grid.columns[col].width = int((WIDTH - 2 * MARGIN) * share)
            for col, text in enumerate(table.header):
                grid.cell(0, col).text = clean(text)
            for r, row in enumerate(rows, 1):
                for col, text in enumerate(row):
                    grid.cell(r, col).text = clean(text)
                    for paragraph in grid.cell(r, col).text_frame.paragraphs:
                        for run in paragraph.runs:
                            run.font.size = Pt(16)

    def numbers(self) -> None:
        """« n / N » and the source on every slide but the first."""
        total = len(self.prs.slides)
        for n, slide in enumerate(self.prs.slides, 1):
            box = slide.shapes.add_textbox(MARGIN, HEIGHT - Cm(1.2), WIDTH - 2 * MARGIN, Cm(0.8))
            self.line(box.text_frame, f"{clean(self.doc.source)} — {n} / {total}", 10, color=GREY, first=True,
                      align=PP_ALIGN.RIGHT)

    def build(self):
        self.title_slide()
        for warning in self.doc.warnings:
            self.text_slide("Attention", [Paragraph(warning)])
        for section in self.doc.sections:
            if not section.slides:
                continue
            blocks = section.blocks
            plain: list[Block] = []
            i = 0
            while i < len(blocks):
                block = blocks[i]
                if isinstance(block, Quote):
                    j = i + 1
                    while j < len(blocks) and isinstance(blocks[j], (Paragraph, Bullets)):
                        j += 1
                    self.quote_slides(block, blocks[i + 1 : j])
                    i = j
                    continue
                if isinstance(block, QuizQuestion):
                    self.question_slide(block)
                elif isinstance(block, Table):
                    self.table_slides(section.heading, block)
                else:
                    plain.append(block)
                i += 1
            if plain:
                self.text_slide(section.heading or self.doc.title, plain)
        for quote in self.doc.annex:
            self.quote_slides(quote, [])
        self.numbers()
        return self.prs


def write(doc: Document, path) -> None:
    prs = _Deck(doc).build()
    with atomic_path(path) as tmp:
        prs.save(str(tmp))
