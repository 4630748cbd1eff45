"""The national ↔ international cross-references (`corpus/crossrefs.yaml`) and what each theme
says the corpus lacks (`corpus/themes.yaml`), for the « Écarts » section. Without those
files, briefs are still produced and the section says so."""

from __future__ import annotations

from ingest.themes import load_themes
from musoya.settings import Settings
from search.crossrefs import Link, load_crossrefs

# Relation as read from the international side → as written from the national side.
NATIONAL_SIDE = {"mis en œuvre par": "met en œuvre", "plus protecteur que": "en deçà de"}


class Crosslinks:
    def __init__(self, settings: Settings):
        self._table = load_crossrefs(settings.crossrefs) if settings.crossrefs.is_file() else None
        themes = load_themes(settings.themes) if self._table is not None and settings.themes.is_file() else []
        self._themes = {theme.id: theme for theme in themes}

    @property
    def available(self) -> bool:
        return self._table is not None

    def related(self, instrument: str, key: str) -> list[Link]:
        return self._table.related(instrument, key) if self._table is not None else []

    def missing(self, theme_id: str) -> str:
        """What national law on the theme the corpus lacks, as the curators wrote it."""
        theme = self._themes.get(theme_id)
        return theme.missing if theme else ""

    def theme_label(self, theme_id: str) -> str:
        theme = self._themes.get(theme_id)
        return theme.label if theme else theme_id
