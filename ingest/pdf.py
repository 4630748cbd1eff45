"""PDFs → page texts (pypdf, then OCR for pages that are only images) → Markdown.

pypdf gives the text of each page in reading order, one printed line per line; a page
without a text layer (a scan) is rendered with pypdfium2 and read by Tesseract in
French when it is installed. `ingest.layout` does the rest.
"""

from __future__ import annotations

import os
from pathlib import Path

from ingest.layout import to_markdown
from ingest.markdown import ParseError

MIN_TEXT_CHARS = 20  # a page with less is treated as an image (a scan)
OCR_DPI = 200


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


def ocr_available() -> bool:
    """Tesseract with its French data, and the Python bridge to it."""
    import shutil

    if not shutil.which("tesseract"):
        return False
    try:
        import pytesseract

        return "fra" in pytesseract.get_languages(config="")
    except Exception:  # noqa: BLE001 - any failure here just means "no OCR"
        return False


def ocr_page(path: Path, number: int) -> str:
    import pypdfium2
    import pytesseract

    # Tesseract's own threads fight each other on a small laptop: one is 5 to 7 times faster here.
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    document = pypdfium2.PdfDocument(str(path))
    try:
        image = document[number - 1].render(scale=OCR_DPI / 72).to_pil().convert("L")
    finally:
        document.close()
    return pytesseract.image_to_string(image, lang="fra")


def read_pdf(path: Path, progress=None) -> tuple[str, list[int], list[int]]:
    """Markdown body of a PDF, the pages read by OCR, and the pages left without text."""
    progress = progress or (lambda done, total, what: None)
    pages = page_texts(path)
    if not pages:
        raise ParseError("le PDF ne contient aucune page")
    empty = [i for i, text in enumerate(pages, start=1) if len(text.strip()) < MIN_TEXT_CHARS]
    recognised = []
    if empty and ocr_available():
        for done, number in enumerate(empty):
            progress(done, len(empty), f"Reconnaissance des caractères (page {number})")
            pages[number - 1] = ocr_page(path, number)
            recognised.append(number)
        progress(len(empty), len(empty), "Reconnaissance des caractères terminée")
        empty = [i for i in empty if len(pages[i - 1].strip()) < MIN_TEXT_CHARS]
    if len(empty) == len(pages):
        advice = ("La reconnaissance de caractères n’a rien trouvé : vérifiez la qualité du scan"
                  if recognised else "Installez la reconnaissance de caractères (Tesseract, langue française) "
                  "puis ajoutez-le à nouveau")
        raise ScannedPdf(f"le PDF ne contient que des images (document scanné). {advice}")
    return to_markdown(pages), recognised, empty
