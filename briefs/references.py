"""Resolving stored references (instrument id + article key) against the library at export time.

A reference that no longer resolves is reported, never dropped silently and never filled
with made-up text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.markdown import ParseError
from ingest.records import Article, Instrument
from ingest.sources import library, read
from musoya.settings import Settings

NATIONAL = "Mali"


@dataclass(frozen=True)
class Cited:
    """One article as it will be quoted: the verbatim text and its citation."""

    instrument: str
    key: str
    article: str
    citation: str
    text: str
    short_title: str
    jurisdiction: str
    hierarchy: tuple[str, ...] = ()
    note: str = ""

    @property
    def national(self) -> bool:
        return self.jurisdiction == NATIONAL

    @property
    def paragraphs(self) -> list[str]:
        return [p for p in self.text.split("\n\n") if p.strip()]


@dataclass(frozen=True)
class Unresolved:
    instrument: str
    key: str
    reason: str


def source_title(instrument: Instrument) -> str:
    """`Code pénal (2024)`, `CEDEF (CEDAW, 1979)`: the short title with its adoption year, once."""
    title = instrument.short_title.strip() or instrument.title.strip() or instrument.id
    year = instrument.adopted[:4] if re.fullmatch(r"\d{4}", instrument.adopted[:4] or "") else ""
    if not year:
        return title
    if re.search(rf"\b{year}\)?$", title) and title.endswith(")"):
        return title
    bare = re.sub(rf"\s+{year}$", "", title)
    if bare != title:
        return f"{bare} ({year})"
    if title.endswith(")") and "(" in title:
        return f"{title[:-1]}, {year})"
    return f"{title} ({year})"


def citation(instrument: Instrument, article: Article) -> str:
    """`Code pénal (2024), art. 327-12` — the one citation style of every export."""
    cited = f"{source_title(instrument)}, {article.label()}"
    if article.pages:
        pages = article.pages
        cited += f", p. {pages[0]}" if len(pages) == 1 else f", p. {pages[0]}-{pages[-1]}"
    return cited


@dataclass
class Library:
    """The library read once per export (about a quarter of a second for the bundled corpus)."""

    settings: Settings
    _cache: dict[str, tuple[Instrument, list[Article]] | None] = field(default_factory=dict)

    def instrument(self, instrument_id: str) -> tuple[Instrument, list[Article]] | None:
        if instrument_id not in self._cache:
            found = None
            for source in library(self.settings):
                if source.instrument_id == instrument_id:
                    try:
                        found = read(source)
                    except (ParseError, OSError):
                        found = None
                    break
            self._cache[instrument_id] = found
        return self._cache[instrument_id]

    def resolve(self, instrument_id: str, key: str, note: str = "") -> Cited | Unresolved:
        opened = self.instrument(instrument_id)
        if opened is None:
            return Unresolved(instrument_id, key, f"le texte « {instrument_id} » n’est plus dans la bibliothèque")
        instrument, articles = opened
        article = next((a for a in articles if a.key == key), None)
        if article is None:
            return Unresolved(instrument_id, key,
                              f"l’article « {key} » n’existe pas (ou plus) dans {source_title(instrument)}")
        return Cited(instrument=instrument.id, key=article.key, article=article.article,
                     citation=citation(instrument, article), text=article.text, short_title=instrument.short_title,
                     jurisdiction=instrument.jurisdiction, hierarchy=tuple(article.hierarchy), note=note)

    def all_articles(self) -> list[tuple[Instrument, Article]]:
        rows = []
        for source in library(self.settings):
            opened = self.instrument(source.instrument_id)
            if opened is not None:
                rows += [(opened[0], a) for a in opened[1]]
        return rows


def describe(missing: list[Unresolved]) -> str:
    """One French sentence per reference that could not be found."""
    return "\n".join(f"Référence introuvable : {m.instrument}, art. {m.key} — {m.reason}." for m in missing)
