"""Reading an instrument in order: an article with its neighbours, and the table of contents."""

from __future__ import annotations

from ingest.records import Article, Instrument
from ingest.sources import library, read
from musoya.settings import Settings


def open_instrument(settings: Settings, instrument_id: str) -> tuple[Instrument, list[Article]]:
    for source in library(settings):
        if source.instrument_id == instrument_id:
            return read(source)
    raise KeyError(instrument_id)


def around(articles: list[Article], key: str, before: int = 1, after: int = 2) -> list[Article]:
    """The article `key` with its neighbours, in the order of the text."""
    position = next((i for i, a in enumerate(articles) if a.key == key), 0)
    return articles[max(0, position - before) : position + after + 1]


def table_of_contents(articles: list[Article]) -> list[tuple[list[str], Article]]:
    """Each heading path where it changes, with the first unit under it."""
    entries, previous = [], None
    for article in articles:
        if article.hierarchy != previous:
            entries.append((article.hierarchy, article))
            previous = article.hierarchy
    return entries
