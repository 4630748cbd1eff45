"""Plain and Bambara words → legal vocabulary, from the curated glossary."""

from __future__ import annotations

from pathlib import Path

import yaml
from haystack import component, default_from_dict, default_to_dict

from ingest.analyzer import analyze


# How Bambara is typed on a phone keyboard without its own letters: "bugɔ" comes as "bugo".
KEYBOARD = str.maketrans({"ɛ": "e", "ɔ": "o", "ɲ": "ny", "ŋ": "ng"})


def spoken(entry: dict) -> list[str]:
    """The words people use for an entry: French ones, then Bambara ones as written and as typed,
    each also in the plural (Bambara adds -w: den → denw)."""
    bambara = [form for word in entry.get("bambara", []) for form in (word, word.translate(KEYBOARD))]
    plurals = [word + "w" for word in bambara if not word.endswith("w")]
    return list(dict.fromkeys([*entry.get("mots", []), *bambara, *plurals]))


@component
class QueryExpander:
    """Appends the legal terms of every glossary entry the question mentions."""

    def __init__(self, glossary_path: str):
        path = Path(glossary_path)
        if not path.is_file():
            raise ValueError(f"glossary not found: {glossary_path}")
        self.glossary_path = glossary_path
        entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        self._entries = [
            ([set(analyze(word)) for word in spoken(entry)], list(entry["termes"]))
            for entry in entries
        ]

    def to_dict(self) -> dict:
        return default_to_dict(self, glossary_path=self.glossary_path)

    @classmethod
    def from_dict(cls, data: dict) -> "QueryExpander":
        return default_from_dict(cls, data)

    @component.output_types(text=str, added=list[str])
    def run(self, query: str):
        present = set(analyze(query))
        added: list[str] = []
        for words, terms in self._entries:
            if any(w and w <= present for w in words):
                added += [t for t in terms if t not in added]
        return {"text": " ".join([query, *added]), "added": added}
