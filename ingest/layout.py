"""Printed legal text (lines, page by page) → the Markdown shape ingest reads.

Shared by the PDF, Word, HTML and plain-text readers: running headers and page numbers
removed, wrapped lines joined into paragraphs, article headings (`Article 281 :`,
`Art. 281.-`, `ARTICLE PREMIER`, `Article 1er`) and hierarchy headings (LIVRE, TITRE,
Chapitre…) turned into `##` and `#` lines, and, for PDFs, `<!-- page N -->` markers so
every article keeps its pages. The result is Markdown a person can read and correct.
"""

from __future__ import annotations

import re
from collections import Counter

from ingest.markdown import PAGE, fold

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


def running_lines(pages: list[list[str]]) -> set[str]:
    """Header or footer lines printed on many pages (page numbers stripped)."""
    def key(line: str) -> str:
        return re.sub(r"\d+", "#", SPACES.sub(" ", line.strip()))

    def heading(line: str) -> bool:  # "Article 12 :" opens many pages, yet it is never a running header
        line = SPACES.sub(" ", line).strip()
        return bool(ARTICLE.match(line) or HIERARCHY.match(line) or STANDALONE.match(line))

    counts = Counter()
    for lines in pages:
        edge = [key(l) for l in lines[:2] + lines[-2:] if l.strip() and not heading(l)]
        counts.update(set(edge))
    threshold = max(3, len(pages) // 3)
    return {k for k, n in counts.items() if n >= threshold and len(k) > 3}


def to_markdown(pages: list[str], rejoin: bool = True, page_markers: bool = True) -> str:
    """Page texts → Markdown; `rejoin` glues printed lines back into paragraphs."""
    split = [text.splitlines() for text in pages]
    running = running_lines(split)
    out: list[str] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            out.extend(["", _join(paragraph), ""])
            paragraph.clear()

    def mark() -> None:  # the new page's marker, once its first line says where it belongs
        nonlocal pending
        if pending:
            (paragraph if paragraph else out).append(pending)
            pending = None

    heading: list[str] | None = None
    pending: str | None = None
    for number, lines in enumerate(split, start=1):
        if page_markers:
            # A paragraph may run across pages: the marker then goes inside it. But an article
            # that ends at the foot of a page does not run onto the next: wait for its first line.
            mark()
            pending = f"<!-- page {number} -->"
            if not paragraph:
                mark()
        for raw in lines:
            line = SPACES.sub(" ", raw).strip()
            key = re.sub(r"\d+", "#", line)
            if not line or key in running or PAGE_NUMBER.match(line) or PAGE.match(line):
                continue  # a "<!-- page N -->" already in the text would lie about where articles are
            article = ARTICLE.match(line)
            level = HIERARCHY.match(line) or STANDALONE.match(line)
            if heading is not None and not article and not level and _continues(heading, line):
                heading.append(line)
                continue
            if heading is not None:
                out.extend(["", "# " + " ".join(heading), ""])
                heading = None
                mark()
            if article:
                flush()
                out.extend(["", f"## Article {_article_id(article.group(1))}", ""])
                mark()
                if article.group(2):
                    paragraph.append(article.group(2))
                continue
            if level:
                flush()
                if STANDALONE.match(line):
                    out.extend(["", "# " + line.rstrip(" :"), ""])
                    mark()
                else:
                    heading = [line]
                continue
            if paragraph and (not rejoin or _ends_paragraph(paragraph[-1], line)):
                flush()
            mark()
            paragraph.append(line)
    if heading is not None:
        out.extend(["", "# " + " ".join(heading), ""])
    mark()
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


def guess_metadata(body: str, stem: str) -> dict:
    """Title, jurisdiction, kind and date from the opening lines of a Journal officiel text."""
    meta = {"title": stem, "short_title": stem}
    match = TITLE.search(body[:5000])
    if match:
        title = " ".join(match.group(0).split())
        kind = fold(match.group(1)).replace("decret", "décret").replace("arrete", "arrêté")
        meta.update(title=title, short_title=f"{kind.capitalize()} n°{match.group(2)}", kind=kind)
        date = DATE.search(title)
        month = MONTHS.get(fold(date.group(2))) if date else None
        if month:
            meta["adopted"] = f"{date.group(3)}-{month:02d}-{int(date.group(1)):02d}"
    if "REPUBLIQUE DU MALI" in body[:5000].upper():
        meta["jurisdiction"] = "Mali"
    return meta


