"""Which files make up the library, and reading one of them into articles."""

from __future__ import annotations

import hashlib
import re
import shutil
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ingest.markdown import ParseError, instrument_from_meta, parse_markdown, split_front_matter
from ingest.pdf import pdf_to_markdown, read_pdf_instrument
from ingest.records import Article, Instrument
from musoya.settings import Settings

PARSER_VERSION = "1"  # bump to re-embed everything after a parsing change
READERS = {".md": parse_markdown, ".pdf": read_pdf_instrument}


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
    reader = READERS.get(source.path.suffix.lower())
    if reader is None:
        raise ParseError(f"format non pris en charge ({source.path.suffix or 'sans extension'})")
    return reader(source.path, source.origin)


def safe_stem(name: str) -> str:
    """A file name that is safe on every system and usable as an instrument id."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return stem[:80] or "texte"


def add_file(path: Path, settings: Settings, metadata: dict | None = None) -> Source:
    """Put a user's file into the library as Markdown; the original is kept beside it.

    A PDF is read once, here: its Markdown (with page markers and front matter) is what
    gets indexed, and what a person can open and correct.
    """
    folder = added_dir(settings)
    (folder / "originaux").mkdir(parents=True, exist_ok=True)
    stem = safe_stem(Path(path.name).stem)
    suffix = path.suffix.lower()
    if suffix not in READERS:
        raise ParseError(f"format non pris en charge ({suffix or 'sans extension'})")
    if suffix == ".pdf":
        text = pdf_to_markdown(path, metadata)
    else:
        text = path.read_text(encoding="utf-8") if not metadata else _with_metadata(path, metadata)
    dest = folder / f"{stem}.md"
    shutil.copyfile(path, folder / "originaux" / f"{stem}{suffix}")
    tmp = dest.with_suffix(".md.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(dest)
    return Source(dest, "ajout")


def _with_metadata(path: Path, metadata: dict) -> str:
    import yaml

    meta, body = split_front_matter(path.read_text(encoding="utf-8"))
    meta.update({k: v for k, v in metadata.items() if v})
    return "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + "---\n\n" + body


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
