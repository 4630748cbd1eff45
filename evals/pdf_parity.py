"""How close the PDF reader gets to the curated Markdown of the same instrument.

    python -m evals.pdf_parity [PDF MARKDOWN] ...

For each pair: share of the Markdown's article ids that the PDF reading finds, and the
median text similarity per shared article (whitespace-insensitive). Writes
evals/results/pdf_parity.json and .md.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from difflib import SequenceMatcher
from pathlib import Path

from ingest.markdown import parse_markdown
from ingest.documents import read_document
from musoya.settings import ROOT

PAIRS = [
    (ROOT.parent / "shared" / "corpus-sources" / "pdf" / "mali-constitution-2023.jo.pdf",
     ROOT / "corpus" / "mali-constitution-2023.md"),
    (ROOT.parent / "shared" / "corpus-sources" / "pdf" / "mali-code-penal-2024.jo.pdf",
     ROOT / "corpus" / "mali-code-penal-2024.md"),
]
RESULTS = ROOT / "evals" / "results"


def _norm(text: str) -> str:
    return " ".join(text.split())


def parity(pdf: Path, markdown: Path, from_pdf: list | None = None) -> dict:
    """Compare; `from_pdf` (articles already read from the PDF) spares a second reading."""
    started = time.perf_counter()
    if from_pdf is None:
        _, from_pdf = read_document(pdf)
    seconds = time.perf_counter() - started
    _, curated = parse_markdown(markdown)
    pdf_by_key = {a.key: a for a in from_pdf if a.numbered}
    md_numbered = [a for a in curated if a.numbered]
    shared = [a for a in md_numbered if a.key in pdf_by_key]
    ratios = [SequenceMatcher(None, _norm(a.text), _norm(pdf_by_key[a.key].text), autojunk=False).ratio()
              for a in shared]
    return {
        "pdf": pdf.name,
        "markdown_articles": len(md_numbered),
        "pdf_articles": len(pdf_by_key),
        "found": len(shared),
        "id_parity": len(shared) / len(md_numbered),
        "median_similarity": statistics.median(ratios) if ratios else 0.0,
        "under_0_9": sum(r < 0.9 for r in ratios),
        "missing": [a.key for a in md_numbered if a.key not in pdf_by_key][:30],
        "extra": sorted(set(pdf_by_key) - {a.key for a in md_numbered})[:30],
        "pages": max((p for a in from_pdf for p in a.pages), default=0),
        "seconds": seconds,
    }


def main() -> None:
    args = [Path(a) for a in sys.argv[1:]]
    pairs = list(zip(args[::2], args[1::2])) or PAIRS
    rows = [parity(pdf, md) for pdf, md in pairs]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "pdf_parity.json").write_text(json.dumps(rows, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    lines = ["| PDF | articles (Markdown) | trouvés | parité des numéros | similarité médiane | < 0,90 | pages | s/page |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['pdf']} | {r['markdown_articles']} | {r['found']} | {r['id_parity']:.3f} | "
                     f"{r['median_similarity']:.3f} | {r['under_0_9']} | {r['pages']} | {r['seconds'] / max(r['pages'], 1):.2f} |")
    table = "\n".join(lines) + "\n"
    (RESULTS / "pdf_parity.md").write_text("# Lecture des PDF du Journal officiel\n\n" + table, encoding="utf-8")
    print(table)
    for r in rows:
        if r["missing"] or r["extra"]:
            print(r["pdf"], "manquants:", r["missing"], "en trop:", r["extra"])


if __name__ == "__main__":
    main()
