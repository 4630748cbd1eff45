"""One document model, four writers. Every export is written atomically."""

from __future__ import annotations

from importlib import import_module
from pathlib import Path

from briefs.document import Document

FORMATS = {"md": "markdown", "docx": "docx", "pdf": "pdf", "pptx": "pptx"}
LABELS = {"md": "Markdown", "docx": "Word (DOCX)", "pdf": "PDF", "pptx": "PowerPoint (PPTX)"}


def export(doc: Document, path: Path, fmt: str | None = None) -> Path:
    """Writes `doc` to `path` in `fmt` (by default, the file's extension)."""
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt == "markdown":
        fmt = "md"
    if fmt not in FORMATS:
        raise ValueError(f"Format inconnu : « {fmt} » (choix : {', '.join(FORMATS)}).")
    import_module(f"briefs.writers.{FORMATS[fmt]}").write(doc, path)
    return path


def render_bytes(doc: Document, fmt: str) -> bytes:
    """The export as bytes, for a download button; written through the same writer."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="musoya-export-") as folder:
        return export(doc, Path(folder) / f"document.{fmt}", fmt).read_bytes()
