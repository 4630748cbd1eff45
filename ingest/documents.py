"""Any file an advocate has (Markdown, PDF, Word, HTML, plain text) → a Markdown instrument.

Files are recognised by their content, not their name; text in cp1252 or latin-1 is
decoded; metadata come from front matter, the document's opening lines, or the user.
"""

from __future__ import annotations

import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import yaml

from ingest.layout import guess_metadata, to_markdown
from ingest.markdown import ParseError, parse_text, split_front_matter
from ingest.pdf import read_pdf
from ingest.records import Article, Instrument

BINARY = re.compile(rb"[\x00-\x08\x0e-\x1f\x7f]")  # control bytes no text file contains
FORMATS = (".md", ".txt", ".pdf", ".docx", ".html", ".htm")
BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "title"}


def decode_text(data: bytes) -> str:
    """UTF-8 when it is; otherwise the legacy encodings Word and old sites use."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=["cp1252", "latin_1", "utf_16", "cp850", "mac_roman"]).best()
    if best is not None:
        return str(best)
    # The detector gives up on a few lines ("Le mariage forcé est interdit."): unless the bytes
    # look binary, they are most likely what Windows wrote, cp1252 (latin-1 for its 5 holes).
    if b"\x00" in data or len(BINARY.findall(data)) > len(data) // 100:
        raise ParseError("le texte n’est pas lisible : encodage inconnu ou fichier binaire")
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def kind_of(path: Path) -> str:
    """The real format, from the first bytes; the extension only breaks ties."""
    with path.open("rb") as handle:
        head = handle.read(8)
    suffix = path.suffix.lower()
    if head.startswith(b"%PDF"):
        return ".pdf"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                if "word/document.xml" in archive.namelist():
                    return ".docx"
        except zipfile.BadZipFile:
            pass
        raise ParseError("ce fichier compressé n’est pas un document Word (.docx)")
    if suffix == ".pdf":
        raise ParseError("le fichier porte l’extension .pdf mais ce n’est pas un PDF (illisible ou abîmé)")
    if suffix == ".docx":
        raise ParseError("le fichier porte l’extension .docx mais ce n’est pas un document Word")
    if suffix not in FORMATS:
        raise ParseError(f"format non pris en charge ({suffix or 'sans extension'}) : "
                         "PDF, Word (.docx), Markdown, HTML ou texte")
    return suffix


class _HtmlText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lines, self.current, self.skip = [], [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        elif tag in BLOCKS:
            self._end_line()

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip = max(0, self.skip - 1)
        elif tag in BLOCKS:
            self._end_line()

    def handle_data(self, data):
        if not self.skip:
            self.current.append(data)

    def _end_line(self):
        line = " ".join("".join(self.current).split())
        if line:
            self.lines.append(line)
        self.current = []


def _body(path: Path, kind: str, progress) -> tuple[dict, str, str]:
    """(front matter found, Markdown body, what to say about completeness)."""
    if kind == ".pdf":
        body, recognised, empty = read_pdf(path, progress)
        notes = ["lu depuis le PDF"]
        if recognised:
            notes.append(f"pages lues par reconnaissance de caractères (à relire) : {recognised}")
        if empty:
            notes.append(f"pages sans texte : {empty}")
        return {}, body, " ; ".join(notes)
    if kind == ".docx":
        import docx

        try:
            paragraphs = [p.text for p in docx.Document(str(path)).paragraphs]
        except Exception as exc:  # noqa: BLE001 - python-docx raises many kinds on bad files
            raise ParseError(f"le document Word est illisible ({exc.__class__.__name__})") from exc
        return {}, to_markdown(["\n".join(paragraphs)], rejoin=False, page_markers=False), "lu depuis Word"
    text = decode_text(path.read_bytes())
    if kind == ".md":
        meta, body = split_front_matter(text)
        return meta, body, ""
    if kind in (".html", ".htm"):
        parser = _HtmlText()
        parser.feed(text)
        parser.close()
        parser._end_line()
        return {}, to_markdown(["\n".join(parser.lines)], rejoin=False, page_markers=False), "lu depuis une page web"
    return {}, to_markdown([text], rejoin=True, page_markers=False), "lu depuis un fichier texte"


def as_markdown(path: Path, metadata: dict | None = None, progress=None) -> str:
    """The file as a Markdown instrument with front matter, ready to keep in the library."""
    if path.stat().st_size == 0:
        raise ParseError("le fichier est vide")
    found, body, note = _body(path, kind_of(path), progress)
    meta = {**guess_metadata(body, path.stem), **found}
    meta.update({k: v for k, v in (metadata or {}).items() if v})
    meta.setdefault("source", f"fichier fourni par l’utilisateur : {path.name}")
    if note:
        meta.setdefault("completeness", note)
    return "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + "---\n\n" + body


def convert(path: Path, metadata: dict | None = None, progress=None) -> tuple[str, Instrument, list[Article]]:
    """(Markdown text, instrument, articles); refuses a document in which no article was found."""
    text = as_markdown(path, metadata, progress)
    instrument, articles = parse_text(text, path.stem, "ajout")
    if not any(a.numbered for a in articles):
        if kind_of(path) == ".md":
            raise ParseError("aucun article n’a été reconnu dans ce fichier Markdown : chaque article "
                             "commence par une ligne « ## Article 1 »")
        raise ParseError("aucun article (« Article 1 », « Art. 2 »…) n’a été reconnu dans ce document")
    return text, instrument, articles


def read_document(path: Path, metadata: dict | None = None) -> tuple[Instrument, list[Article]]:
    _, instrument, articles = convert(path, metadata)
    return instrument, articles
