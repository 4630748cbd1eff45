"""Publishing a kit's plain-words explanations as a searchable note, clearly labelled as not law.

The note is a Markdown file in `data/ajouts/`, where the library picks up added texts:
once indexed, a search can find the trainer's explanation next to the article itself,
marked « Note de formation (pas un texte de loi) ».
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import yaml

from briefs.compose import KIT_TEMPLATE, dossier_references, explanation_field, resolve
from briefs.dossiers import DossierStore
from briefs.references import Cited, Library
from briefs.typography import clean, french, slug
from briefs.writers.atomic import write_atomic
from ingest.sources import added_dir
from musoya.settings import Settings

JURISDICTION = "Note de formation (pas un texte de loi)"
KIND = "note explicative"
STRUCTURAL_LINE = re.compile(r"^(\s*)(#{1,6}\s|<!--)", re.MULTILINE)


def note_path(settings: Settings, kit_title: str) -> Path:
    return added_dir(settings) / f"note-{slug(kit_title)}.md"


def _literal(text: str) -> str:
    """Typed text that cannot open a heading or a page marker in the note's Markdown."""
    return STRUCTURAL_LINE.sub(lambda m: m.group(1) + "\\" + m.group(2), french(clean(text)).strip())


def render_note(kit_title: str, explained: list[tuple[Cited, str]], today: date | None = None) -> str:
    title = french(kit_title).strip() or "Kit d’atelier"
    meta = {
        "title": f"Note de formation : {title}",
        "short_title": f"Note de formation – {title}",
        "jurisdiction": JURISDICTION,
        "kind": KIND,
        "adopted": (today or date.today()).isoformat(),
        "reference": "Explications en mots simples écrites pour un atelier ; elles ne remplacent pas le texte de loi.",
        "source": "Kit d’atelier Musoya",
        "completeness": "Note explicative, pas un texte de loi",
    }
    front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=10_000)
    lines = [f"---\n{front}---", "", f"# {meta['title']}", ""]
    for cited, explanation in explained:
        lines += [f"## Article {cited.article}", "",
                  f"Explication de : {cited.citation}. Ce n’est pas le texte de loi.", "",
                  _literal(explanation), ""]
    return "\n".join(lines)


def publish_explanations(settings: Settings, kit_title: str, explained: list[tuple[Cited, str]],
                         today: date | None = None) -> Path | None:
    """Writes (or replaces) the kit's note; removes it when no article is explained any more."""
    path = note_path(settings, kit_title)
    explained = [(c, text) for c, text in explained if clean(text).strip()]
    if not explained:
        path.unlink(missing_ok=True)
        return None
    write_atomic(path, render_note(kit_title, explained, today).encode("utf-8"))
    return path


def save_kit(settings: Settings, name: str, fields: dict[str, str], store: DossierStore | None = None,
             today: date | None = None) -> Path | None:
    """Saves the kit draft of a dossier and publishes its explanations; returns the note's path."""
    store = store or DossierStore(settings)
    store.save_draft(name, KIT_TEMPLATE, KIT_TEMPLATE, fields)
    resolved = resolve(Library(settings), dossier_references(store, name))
    explained = [(c, fields.get(explanation_field(c), "")) for c in resolved.cited]
    return publish_explanations(settings, fields.get("titre", "").strip() or name, explained, today)
