"""Markdown instrument → Instrument + articles.

The bundled corpus is one Markdown file per instrument: YAML front matter, `# ` headings
for the hierarchy (LIVRE, TITRE, Chapitre, Section…) and `## Article N` for articles.
Text is kept byte for byte; only its surrounding blank lines are trimmed.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import yaml

from ingest.records import Article, Instrument

HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*$")
ARTICLE = re.compile(
    r"^Article\s+(premier|1er|\d+(?:-\d+)*(?:\s+(?:bis|ter|quater|quinquies|sexies))?)\s*$",
    re.IGNORECASE,
)
PAGE = re.compile(r"^<!-- page ([0-9]{1,6}) -->$")  # left by the PDF reader; not part of any text
SIGNATURE = re.compile(r"^(Fait à [^,\n]+|Bamako|Koulouba), le ")
LEVELS = {
    "livre": 1, "partie": 1, "annexe": 1, "annexes": 1,
    "titre": 2, "chapitre": 3, "section": 4, "sous-section": 5,
    "paragraphe": 6, "sous-paragraphe": 7,
}


class ParseError(ValueError):
    """A file that cannot be read as an instrument; the message is for the user."""


def fold(text: str) -> str:
    """Lowercase without accents, for comparisons only (never for stored text)."""
    decomposed = unicodedata.normalize("NFKD", text.lower()).lower()  # "ℌ" is a capital only once decomposed
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def heading_level(heading: str) -> int | None:
    words = fold(heading).replace(":", " ").split()
    for word in words[:2]:
        if word in LEVELS:
            return LEVELS[word]
    return None


def article_number(raw: str) -> str:
    raw = " ".join(raw.split())
    return "1" if raw.lower() in ("premier", "1er") else raw.lower() if " " in raw else raw


def split_front_matter(text: str) -> tuple[dict, str]:
    if not text.startswith("---"):
        return {}, text
    end = text.find("\n---", 3)
    if end < 0:
        raise ParseError("l’en-tête YAML (front matter) n’est pas fermé par « --- »")
    try:
        meta = yaml.safe_load(text[3:end]) or {}
    except yaml.YAMLError as exc:
        raise ParseError(f"l’en-tête YAML est illisible ({exc.__class__.__name__})") from exc
    if not isinstance(meta, dict):
        raise ParseError("l’en-tête YAML doit être une liste de champs « clé: valeur »")
    body = text[end + 4 :]
    return meta, body[1:] if body.startswith("\n") else body


def instrument_from_meta(meta: dict, instrument_id: str, origin: str = "corpus") -> Instrument:
    title = str(meta.get("title") or instrument_id)
    return Instrument(
        id=instrument_id,
        title=title,
        short_title=str(meta.get("short_title") or title),
        jurisdiction=str(meta.get("jurisdiction") or ""),
        kind=str(meta.get("kind") or ""),
        adopted=str(meta.get("adopted") or ""),
        reference=str(meta.get("reference") or ""),
        source=str(meta.get("source") or ""),
        completeness=str(meta.get("completeness") or ""),
        origin=origin,
    )


def parse_body(body: str, instrument_id: str) -> list[Article]:
    units: list[Article] = []
    hierarchy: list[tuple[int, str]] = []
    label, numbered, lines = "en-tête", False, []
    seen_heading = False
    page: int | None = None
    pages: list[int] = []

    def flush() -> None:
        nonlocal hierarchy
        text = "\n".join(lines).strip("\n")
        if not text.strip():
            return
        if _wrapped_heading(text) and not numbered and hierarchy and label == hierarchy[-1][1]:
            level, heading = hierarchy[-1]  # "Chapitre 2 : Des crimes portant atteinte à la sécurité" + "intérieure…"
            hierarchy = hierarchy[:-1] + [(level, f"{heading} {text.strip()}")]
            return
        path = [h for _, h in hierarchy]
        body_text, signature = _split_signature(text)
        units.append(Article(instrument_id, label, label, body_text, path, numbered, pages=pages))
        if signature:
            units.append(Article(instrument_id, "signature", "signature", signature, path, False, pages=pages[-1:]))

    # Markdown line ends only: a form feed or U+2028 inside a paragraph is text, kept as printed.
    for line in body.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        marker = PAGE.match(line)
        if marker:
            page = int(marker.group(1))
            pages = pages + [page] if any(x.strip() for x in lines) else [page]
            continue
        match = HEADING.match(line)
        if not match:
            lines.append(line)
            continue
        flush()
        lines, pages = [], [page] if page is not None else []
        heading = match.group(2).rstrip(" :").strip()
        article = ARTICLE.match(heading) if match.group(1) == "##" else None
        if article:
            label, numbered = article_number(article.group(1)), True
            # Articles that follow a preamble are not part of it (DUDH: "# Préambule" then articles).
            hierarchy = [(lv, h) for lv, h in hierarchy if not fold(h).startswith("preambule")]
            continue
        level = heading_level(heading)
        if level is None and not seen_heading and not units:
            seen_heading = True  # the document's own title, not part of the hierarchy
            continue
        seen_heading = True
        level = level or 1
        hierarchy = [(lv, h) for lv, h in hierarchy if lv < level] + [(level, heading)]
        label = "préambule" if fold(heading).startswith("preambule") else heading
        numbered = False
    flush()
    _assign_keys(units)
    return units


def _wrapped_heading(text: str) -> bool:
    """The rest of a heading printed on the next line: one short line starting in lower case."""
    text = text.strip()
    return "\n" not in text and len(text) <= 250 and text[:1].islower()


def _split_signature(text: str) -> tuple[str, str]:
    paragraphs = text.split("\n\n")
    for i, para in enumerate(paragraphs[1:], start=1):
        if SIGNATURE.match(para):
            return "\n\n".join(paragraphs[:i]).rstrip("\n"), "\n\n".join(paragraphs[i:])
    return text, ""


def _assign_keys(units: list[Article]) -> None:
    """Number repeated ids (`511-1`, `511-1#2`) and say where each one stands."""
    groups: dict[str, list[Article]] = {}
    for position, unit in enumerate(units):
        unit.position = position
        groups.setdefault(unit.article, []).append(unit)
    taken = set(groups)  # a heading may itself read "511-1#2": a made-up key never takes its place
    for same in groups.values():
        if len(same) < 2:
            continue
        n = 1
        for unit in same[1:]:
            n += 1
            while f"{unit.article}#{n}" in taken:
                n += 1
            unit.key = f"{unit.article}#{n}"
            taken.add(unit.key)
        for unit in same:
            unit.qualifier = _where(unit, same)


def _where(unit: Article, same: list[Article]) -> str:
    for depth, heading in enumerate(unit.hierarchy):
        others = [o.hierarchy[depth] if depth < len(o.hierarchy) else None for o in same if o is not unit]
        if heading not in others:
            return heading.split(":")[0].strip()
    return f"occurrence {same.index(unit) + 1}"


def parse_text(text: str, instrument_id: str, origin: str = "corpus") -> tuple[Instrument, list[Article]]:
    meta, body = split_front_matter(text)
    instrument = instrument_from_meta(meta, instrument_id, origin)
    articles = parse_body(body, instrument.id)
    if not articles:
        raise ParseError("aucun texte n’a été trouvé dans le fichier")
    return instrument, articles


def parse_markdown(path: Path, origin: str = "corpus") -> tuple[Instrument, list[Article]]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ParseError("le fichier n’est pas encodé en UTF-8") from exc
    return parse_text(text, path.stem, origin)
