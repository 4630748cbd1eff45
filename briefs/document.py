"""The one document model that every writer renders (DOCX, PDF, Markdown, PPTX).

Two kinds of text live here and must never be confused: `Quote.text` is verbatim corpus
text (no typography, no escaping beyond what a format strictly needs); every other string
is the product's or the advocate's, typeset in French and escaped by each writer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

PLACEHOLDER = "À compléter"


@dataclass
class Paragraph:
    text: str
    placeholder: bool = False  # a default the advocate has not replaced yet: shown in italics


@dataclass
class Bullets:
    items: list[str]
    numbered: bool = False


@dataclass
class Quote:
    """Verbatim article text and its citation; `comment` is the advocate's note, typeset."""

    text: str
    citation: str
    comment: str = ""
    truncated: bool = False  # an excerpt: writers show « […] » after it, outside the verbatim text


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]


@dataclass
class QuizQuestion:
    number: int
    prompt: str  # the verbatim stem with the blank, possibly with « … » around it
    choices: list[str]
    citation: str


Block = Union[Paragraph, Bullets, Quote, Table, QuizQuestion]


@dataclass
class Section:
    heading: str
    blocks: list[Block] = field(default_factory=list)
    slides: bool = True  # shown in the PPTX version of a kit


@dataclass
class Document:
    kind: str  # "note" or "kit"
    title: str
    subtitle: str = ""
    date: str = ""  # already written out in French
    sections: list[Section] = field(default_factory=list)
    annex: list[Quote] = field(default_factory=list)
    annex_heading: str = "Annexe : textes cités"
    source: str = ""  # footer line
    warnings: list[str] = field(default_factory=list)  # references that did not resolve, in French

    def quotes(self) -> list[Quote]:
        """Every verbatim quote, in the body and in the annex."""
        found = [b for s in self.sections for b in s.blocks if isinstance(b, Quote)]
        return found + list(self.annex)
