"""Journal officiel PDFs → the Markdown shape the rest of ingest reads, with page markers.

pypdf gives the text of each page in reading order, one printed line per line. This
module removes running headers and page numbers, joins wrapped lines into paragraphs,
and turns article headings (`Article 281 :`, `Art. 281.-`, `ARTICLE PREMIER`,
`Article 1er`) and hierarchy headings (LIVRE, TITRE, Chapitre…) into `##` and `#` lines.
The result is ordinary Markdown that a person can read, correct and keep.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from ingest.markdown import ParseError, fold

ARTICLE = re.compile(
    r"^(?:Articles?|ARTICLES?|Art\.|ART\.)\s*(?::\s*)?"  # also the misprints "Articles 314-1", "Article : 551-7"
    r"(premier|PREMIER|1er|\d+(?:\s?-\s?\d+)*(?:\s+(?:bis|ter|quater|quinquies))?)"
    r"\s*(?:[:.]\s*[-–—]?|[-–—]|$)\s*(.*)$"
)
HIERARCHY = re.compile(
    r"^(LIVRE|TITRE|CHAPITRE|Chapitre|SECTION|Section|Sous-section|SOUS-SECTION|Paragraphe|PARAGRAPHE|"
    r"Sous-paragraphe|Sous paragraphe|PARTIE)\s+([IVXLC]+|\d+|premier|PREMIER|unique|UNIQUE|préliminaire)\b"
)
STANDALONE = re.compile(r"^(PREAMBULE|PRÉAMBULE|Préambule)\s*:?\s*$")
PAGE_NUMBER = re.compile(r"^\s*(?:-\s*)?\d{1,4}(?:\s*-)?\s*$")
SENTENCE_END = re.compile(r"[.;:!?»]$")
SPACES = re.compile(r"[ \t]+")
TITLE = re.compile(
    r"\b(LOI|DECRET|DÉCRET|ORDONNANCE|ARRETE|ARRÊTE)\s+N°\s*([\w/.-]+)\s+DU\s+\d{1,2}(?:ER)?\s+\w+\s+\d{4}"
    r"(?:\s+(?:PORTANT|RELATIVE?|FIXANT|DETERMINANT)\s+[A-ZÀ-Ü’' ,-]+?(?=\s+[A-ZÀ-Ü][a-zà-ü]|\s*$|\s*<!--|\s+LOI|\s+DECRET))?"
)
DATE = re.compile(r"DU\s+(\d{1,2})(?:ER)?\s+(\w+)\s+(\d{4})", re.IGNORECASE)
MONTHS = {m: i for i, m in enumerate(
    "janvier fevrier mars avril mai juin juillet aout septembre octobre novembre decembre".split(), start=1)}
MIN_TEXT_CHARS = 20  # a page with less is treated as an image (a scan)


class ScannedPdf(ParseError):
    """The PDF (or some of its pages) has no text layer."""


def page_texts(path: Path) -> list[str]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(path)
        if reader.is_encrypted and not reader.decrypt(""):  # an owner password alone is fine
            raise ParseError("le PDF est protégé par un mot de passe : ouvrez-le et enregistrez-en une copie sans protection")
        return [page.extract_text() or "" for page in reader.pages]
    except ParseError:
        raise
    except (PdfReadError, ValueError, KeyError, OSError) as exc:
        raise ParseError(f"le PDF est illisible ou abîmé ({exc.__class__.__name__})") from exc


def running_lines(pages: list[list[str]]) -> set[str]:
    """Header or footer lines printed on many pages (page numbers stripped)."""
    def key(line: str) -> str:
        return re.sub(r"\d+", "#", SPACES.sub(" ", line.strip()))

    counts = Counter()
    for lines in pages:
        edge = [key(l) for l in lines[:2] + lines[-2:] if l.strip()]
        counts.update(set(edge))
    threshold = max(3, len(pages) // 3)
    return {k for k, n in counts.items() if n >= threshold and len(k) > 3}


def to_markdown(pages: list[str]) -> str:
    """Page texts → Markdown with `<!-- page N -->` markers."""
    split = [text.splitlines() for text in pages]
    running = running_lines(split)
    out: list[str] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            out.extend(["", _join(paragraph), ""])
            paragraph.clear()

    heading: list[str] | None = None
    for number, lines in enumerate(split, start=1):
        # A paragraph may run across pages: the marker then goes inside it, on its own line.
        (paragraph if paragraph else out).append(f"<!-- page {number} -->")
        for raw in lines:
            line = SPACES.sub(" ", raw).strip()
            key = re.sub(r"\d+", "#", line)
            if not line or key in running or PAGE_NUMBER.match(line):
                continue
            article = ARTICLE.match(line)
            level = HIERARCHY.match(line) or STANDALONE.match(line)
            if heading is not None and not article and not level and _continues(heading, line):
                heading.append(line)
                continue
            if heading is not None:
                out.extend(["", "# " + " ".join(heading), ""])
                heading = None
            if article:
                flush()
                out.extend(["", f"## Article {_article_id(article.group(1))}", ""])
                if article.group(2):
                    paragraph.append(article.group(2))
                continue
            if level:
                flush()
                if STANDALONE.match(line):
                    out.extend(["", "# " + line.rstrip(" :"), ""])
                else:
                    heading = [line]
                continue
            if paragraph and _ends_paragraph(paragraph[-1], line):
                flush()
            paragraph.append(line)
    if heading is not None:
        out.extend(["", "# " + " ".join(heading), ""])
    flush()
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip() + "\n"


def _article_id(raw: str) -> str:
    raw = re.sub(r"\s*-\s*", "-", raw.strip())
    return "premier" if raw.lower() in ("premier", "1er") else raw


def _continues(heading: list[str], line: str) -> bool:
    """A heading wrapped onto the next line ("LIVRE I" / "DES DISPOSITIONS GENERALES")."""
    last = heading[-1]
    return len(heading) < 3 and not SENTENCE_END.search(last) and len(line) < 100 and not last.endswith(":")


def _ends_paragraph(previous: str, line: str) -> bool:
    if re.match(r"^(\d+°\)?|[a-z]\)|[-–•]\s|\d+\.\s)", line):
        return True
    return bool(SENTENCE_END.search(previous)) and line[:1].isupper()


def _join(lines: list[str]) -> str:
    text = lines[0]
    for line in lines[1:]:
        if line.startswith("<!--") or text.endswith("-->"):
            text += "\n" + line
        else:
            text += line if text.endswith("-") else " " + line  # "ci-" + "dessus", "131-" + "6"
    return text


def read_pdf(path: Path) -> tuple[str, list[int]]:
    """Markdown body of a PDF, and the pages that had no text (scans)."""
    pages = page_texts(path)
    if not pages:
        raise ParseError("le PDF ne contient aucune page")
    empty = [i for i, text in enumerate(pages, start=1) if len(text.strip()) < MIN_TEXT_CHARS]
    if len(empty) == len(pages):
        raise ScannedPdf(
            "le PDF ne contient que des images (document scanné) : aucun texte n’a pu être lu. "
            "Il faut d’abord le passer à la reconnaissance de caractères (OCR)."
        )
    return to_markdown(pages), empty


def guess_metadata(body: str, stem: str) -> dict:
    """Title, jurisdiction, kind and date from the opening lines of a Journal officiel text."""
    meta = {"title": stem, "short_title": stem}
    match = TITLE.search(body[:5000])
    if match:
        title = " ".join(match.group(0).split())
        kind = fold(match.group(1)).replace("decret", "décret").replace("arrete", "arrêté")
        meta.update(title=title, short_title=f"{kind.capitalize()} n°{match.group(2)}", kind=kind)
        date = DATE.search(title)
        if date:
            day, month, year = date.groups()
            meta["adopted"] = f"{year}-{MONTHS[fold(month)]:02d}-{int(day):02d}"
    if "REPUBLIQUE DU MALI" in body[:5000].upper():
        meta["jurisdiction"] = "Mali"
    return meta


def pdf_to_markdown(path: Path, overrides: dict | None = None) -> str:
    """A PDF as a Markdown instrument with front matter, ready to keep in the library."""
    import yaml

    body, empty = read_pdf(path)
    meta = guess_metadata(body, path.stem)
    meta.update({k: v for k, v in (overrides or {}).items() if v})
    meta["source"] = meta.get("source") or f"PDF fourni par l’utilisateur : {path.name}"
    note = f"lu depuis le PDF ({len(empty)} page(s) sans texte : {empty})" if empty else "lu depuis le PDF"
    meta["completeness"] = meta.get("completeness") or note
    return "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + "---\n\n" + body


def read_pdf_instrument(path: Path, origin: str = "ajout"):
    """A PDF as (Instrument, articles), read the same way as a Markdown instrument."""
    from ingest.markdown import instrument_from_meta, parse_body, split_front_matter

    meta, body = split_front_matter(pdf_to_markdown(path))
    articles = parse_body(body, path.stem)
    if not any(a.numbered for a in articles):
        raise ParseError("aucun article (« Article 1 », « Art. 2 »…) n’a été reconnu dans le PDF")
    return instrument_from_meta(meta, path.stem, origin), articles
