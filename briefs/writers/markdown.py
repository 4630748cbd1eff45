"""Markdown export: the advocate's text escaped so it reads literally; quotes kept verbatim."""

from __future__ import annotations

import re

from briefs.document import Bullets, Document, Paragraph, QuizQuestion, Quote, Table
from briefs.typography import clean

INLINE = re.compile(r"([\\`*_\[\]<>&~|])")
LINE_START = re.compile(r"^(\s*)([#>+=-]|\d+[.)])", re.MULTILINE)


def escape(text: str) -> str:
    """Typed text shown as typed: no emphasis, link, HTML or heading can come out of it."""
    text = INLINE.sub(r"\\\1", clean(text))
    return LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), text)


def _lines(text: str) -> str:
    return " ".join(line.strip() for line in text.splitlines() if line.strip())


def _quote(quote: Quote) -> list[str]:
    body = [f"> {line}" if line.strip() else ">" for line in clean(quote.text).split("\n")]
    if quote.truncated:
        body += [">", "> \\[…\\]"]
    out = body + [">", f"> — *{escape(quote.citation)}*", ""]
    if quote.comment.strip():
        out += [f"Note : {escape(_lines(quote.comment))}", ""]
    return out


def render(doc: Document) -> str:
    out = [f"# {escape(doc.title)}", ""]
    if doc.subtitle:
        out += [f"*{escape(doc.subtitle)}*", ""]
    if doc.date and doc.date not in doc.subtitle:
        out += [escape(doc.date), ""]
    for warning in doc.warnings:
        out += [f"**Attention :** {escape(_lines(warning))}", ""]
    for section in doc.sections:
        if section.heading:
            out += [f"## {escape(section.heading)}", ""]
        for block in section.blocks:
            if isinstance(block, Quote):
                out += _quote(block)
            elif isinstance(block, Paragraph):
                text = escape(_lines(block.text))
                out += [f"*{text}*" if block.placeholder else text, ""]
            elif isinstance(block, Bullets):
                out += [f"{n}. {escape(_lines(item))}" if block.numbered else f"- {escape(_lines(item))}"
                        for n, item in enumerate(block.items, 1)] + [""]
            elif isinstance(block, QuizQuestion):
                out += [f"**Question {block.number}.** {clean(block.prompt)}", ""]
                out += [f"- {chr(97 + i)}) {escape(choice)}" for i, choice in enumerate(block.choices)] + [""]
            elif isinstance(block, Table):
                out += ["| " + " | ".join(escape(h) for h in block.header) + " |",
                        "|" + "---|" * len(block.header)]
                out += ["| " + " | ".join(escape(_lines(c)) for c in row) + " |" for row in block.rows] + [""]
    if doc.annex:
        out += [f"## {escape(doc.annex_heading)}", ""]
        for quote in doc.annex:
            out += [f"### {escape(quote.citation)}", ""] + _quote(Quote(quote.text, quote.citation))
    out += ["---", "", f"*{escape(doc.source)}* — {escape(doc.date)}", ""]
    return "\n".join(out)


def write(doc: Document, path) -> None:
    from briefs.writers.atomic import write_atomic

    write_atomic(path, render(doc).encode("utf-8"))
