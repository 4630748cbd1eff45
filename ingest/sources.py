"""Which files make up the library, and reading one of them into articles."""

from __future__ import annotations

import hashlib
import re
import shutil
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ingest.documents import convert
from ingest.markdown import ParseError, instrument_from_meta, parse_markdown, split_front_matter
from ingest.records import Article, Instrument
from musoya.settings import Settings

PARSER_VERSION = "3"  # bump to re-embed everything after a parsing change


@dataclass
class Source:
    path: Path
    origin: str  # "corpus" or "ajout"

    @property
    def instrument_id(self) -> str:
        return self.path.stem

    def content_hash(self) -> str:
        digest = hashlib.sha256(PARSER_VERSION.encode())
        digest.update(self.path.read_bytes())
        return digest.hexdigest()[:16]


def added_dir(settings: Settings) -> Path:
    return settings.data_dir / "ajouts"


def library(settings: Settings) -> list[Source]:
    """The bundled corpus plus the texts users added (kept under the data folder)."""
    sources = [Source(p, "corpus") for p in sorted(settings.corpus_dir.glob("*.md")) if p.stem.islower()]
    folder = added_dir(settings)
    if folder.exists():
        sources += [Source(p, "ajout") for p in sorted(folder.glob("*.md"))]
    return sources


def read(source: Source) -> tuple[Instrument, list[Article]]:
    """A library file (always Markdown: other formats are converted when added)."""
    return parse_markdown(source.path, source.origin)


def safe_stem(name: str) -> str:
    """A file name that is safe on every system and usable as an instrument id."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    if not stem and any(c.isalnum() for c in name):  # "ߞߎ߲߬ߝߍ߲.pdf", "قانون.pdf": two texts, two ids
        return "texte-" + hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return stem[:80] or "texte"


def add_file(path: Path, settings: Settings, metadata: dict | None = None, progress=None) -> Source:
    """Put a user's file into the library as Markdown; the original is kept beside it.

    A PDF or Word file is read once, here: its Markdown (with page markers and front
    matter) is what gets indexed, and what a person can open and correct.
    """
    if path.stat().st_size > settings.max_upload_mb * 1024 * 1024:
        raise ParseError(f"le fichier dépasse la taille permise ({settings.max_upload_mb} Mo)")
    text, _, _ = convert(path, metadata, progress)  # refuses now what could not be indexed later
    folder = added_dir(settings)
    (folder / "originaux").mkdir(parents=True, exist_ok=True)
    stem = safe_stem(Path(path.name).stem)
    if (settings.corpus_dir / f"{stem}.md").exists():
        stem += "-ajout"  # a bundled text keeps its id
    shutil.copyfile(path, folder / "originaux" / f"{stem}{path.suffix.lower()}")
    dest = folder / f"{stem}.md"
    tmp = dest.with_suffix(".md.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(dest)
    return Source(dest, "ajout")


def add_upload(name: str, data: bytes, settings: Settings, metadata: dict | None = None, progress=None) -> Source:
    """A file received from the browser: size-checked, stored under a safe name, then added."""
    if len(data) > settings.max_upload_mb * 1024 * 1024:
        raise ParseError(f"le fichier dépasse la taille permise ({settings.max_upload_mb} Mo)")
    folder = settings.data_dir / "televersements"
    folder.mkdir(parents=True, exist_ok=True)
    original = Path(Path(name).name)  # never a path: "../../x.pdf" becomes "x.pdf"
    received = folder / f"{safe_stem(original.stem)}{original.suffix.lower()[:8]}"
    received.write_bytes(data)
    try:
        return add_file(received, settings, metadata, progress)
    finally:
        received.unlink(missing_ok=True)


def catalogue(settings: Settings) -> list[Instrument]:
    """Every instrument of the library, from its front matter only (fast: no parsing)."""
    instruments = []
    for source in library(settings):
        try:
            meta, _ = split_front_matter(source.path.read_text(encoding="utf-8"))
        except (ParseError, OSError, UnicodeDecodeError):
            continue
        instruments.append(instrument_from_meta(meta, source.instrument_id, source.origin))
    return instruments
