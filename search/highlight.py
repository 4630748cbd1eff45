"""The sentence(s) of an article that answer a question, as character offsets into its text."""

from __future__ import annotations

import re

from ingest.analyzer import analyze

# A sentence ends at . ; ! ? or a line break (list items « a) … » stand on their own lines).
SENTENCE = re.compile(r"[^\n.;!?]+(?:[.;!?]+|$)", re.MULTILINE)
MAX_HIGHLIGHTS = 2


def sentences(text: str) -> list[tuple[int, int]]:
    """Spans of the sentences of `text`, trimmed of surrounding spaces."""
    spans = []
    for match in SENTENCE.finditer(text):
        start, end = match.span()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end - start > 1:
            spans.append((start, end))
    return spans


def highlight(text: str, terms: set[str]) -> list[list[int]]:
    """The best one or two sentences by the question's terms (stems) they contain.

    Extractive and lexical on purpose: offsets always point at the verbatim article, and
    a sentence is highlighted only when it shares words with the question (or its
    glossary expansion); otherwise nothing is highlighted rather than a guess.
    """
    if not terms:
        return []
    scored = []
    for start, end in sentences(text):
        found = terms & set(analyze(text[start:end]))
        if found:
            scored.append((len(found), -start, start, end))
    if not scored:
        return []
    best = max(s[0] for s in scored)
    chosen = sorted(scored, reverse=True)[:MAX_HIGHLIGHTS]
    return sorted([[start, end] for n, _, start, end in chosen if n >= max(1, best * 0.6)])
