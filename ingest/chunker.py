"""Articles → Haystack Documents, one per article unless it overflows the model window."""

from __future__ import annotations

import hashlib
import json
import re
from functools import cached_property

from haystack import Document, component, default_from_dict, default_to_dict

from ingest.records import Article, Instrument

SENTENCE_END = re.compile(r"(?<=[.;:!?])\s+")
PARAGRAPH = re.compile(r"\n\s*\n")


def context_line(instrument: Instrument, article: Article) -> str:
    """What the embedding sees before the text: where the article stands."""
    label = f"Article {article.article}" if article.numbered else article.article
    return " › ".join([instrument.short_title, *article.hierarchy, label])


@component
class ArticleChunker:
    """Cuts each article at paragraph (then sentence) boundaries to fit `max_tokens`.

    Every chunk is an exact slice of the article text and keeps the article's id, so a
    hit always cites text that exists verbatim in the corpus.
    """

    def __init__(self, max_tokens: int = 480, tokenizer_path: str | None = None, themes_path: str | None = None):
        if max_tokens < 32:
            raise ValueError("max_tokens must be at least 32")
        self.max_tokens = max_tokens
        self.tokenizer_path = tokenizer_path
        self.themes_path = themes_path

    @cached_property
    def _tagger(self):
        """The curated themes: their labels and plain descriptions join what is embedded."""
        if not self.themes_path:
            return None
        from ingest.themes import ThemeTagger, load_themes

        return ThemeTagger(load_themes(self.themes_path))

    def fingerprint(self, instrument_id: str, origin: str = "corpus") -> str:
        """Changes when what this chunker adds to an instrument's chunks changes (→ re-embed it)."""
        tagger = self._tagger
        curated = []
        if tagger:
            curated = [[t.id, t.label, t.headings, {r: d for r, d in t.articles.items() if r.startswith(f"{instrument_id}:")}]
                       + ([t.vocabulary] if origin != "corpus" else [])  # added texts are tagged by vocabulary
                       for t in tagger.themes]
        return hashlib.sha256(json.dumps([self.max_tokens, curated], ensure_ascii=False).encode()).hexdigest()[:16]

    def about(self, instrument: Instrument, article: Article) -> tuple[list[str], str]:
        """The article's themes, and the line that tells the embedders about them."""
        if self._tagger is None:
            return [], ""
        themes = self._tagger.tag(instrument.id, article.key, article.hierarchy)
        if not themes and instrument.origin != "corpus":  # a text a user added: its own words say its themes
            themes = self._tagger.match_question(" ".join([*article.hierarchy, article.text]))
        if not themes:
            return [], ""
        line = "Thèmes : " + ", ".join(self._tagger.labels(themes)) + "."
        description = self._tagger.description(instrument.id, article.key)
        return themes, f"{line} {description}".strip()

    @cached_property
    def _tokenizer(self):
        if not self.tokenizer_path:
            return None
        from tokenizers import Tokenizer

        return Tokenizer.from_file(self.tokenizer_path)

    def count_tokens(self, text: str) -> int:
        if self._tokenizer is None:  # rough upper bound for French without a tokenizer
            return 2 * len(text.split()) + 2
        return len(self._tokenizer.encode("passage: " + text).ids)

    def to_dict(self) -> dict:
        return default_to_dict(self, max_tokens=self.max_tokens, tokenizer_path=self.tokenizer_path,
                               themes_path=self.themes_path)

    @classmethod
    def from_dict(cls, data: dict) -> "ArticleChunker":
        return default_from_dict(cls, data)

    @component.output_types(documents=list[Document])
    def run(self, instrument: Instrument, articles: list[Article], content_hash: str = ""):
        documents = []
        for article in articles:
            themes, about = self.about(instrument, article)
            context = "\n".join(filter(None, [context_line(instrument, article), about]))
            spans = self._spans(article.text, self.max_tokens - self.count_tokens(context))
            for n, (start, end) in enumerate(spans):
                documents.append(Document(
                    id=f"{instrument.id}|{article.key}|{n}",
                    content=article.text[start:end],
                    meta={
                        "instrument": instrument.id,
                        "short_title": instrument.short_title,
                        "jurisdiction": instrument.jurisdiction,
                        "kind": instrument.kind,
                        "adopted": instrument.adopted,
                        "origin": instrument.origin,
                        "article": article.article,
                        "key": article.key,
                        "label": article.label(),
                        "numbered": article.numbered,
                        "hierarchy": article.hierarchy,
                        "themes": themes,
                        "pages": article.pages,
                        "position": article.position,
                        "chunk": n,
                        "chunks": len(spans),
                        "context": context,
                        "content_hash": content_hash,
                        # the whole text rides on the first piece of a split article
                        **({"article_text": article.text} if n == 0 and len(spans) > 1 else {}),
                    },
                ))
        return {"documents": documents}

    def _spans(self, text: str, budget: int) -> list[tuple[int, int]]:
        budget = max(budget, 16)
        if self.count_tokens(text) <= budget:
            return [(0, len(text))]
        atoms = []
        for start, end in _split(text, PARAGRAPH, 0, len(text)):
            if self.count_tokens(text[start:end]) <= budget:
                atoms.append((start, end))
                continue
            for s_start, s_end in _split(text, SENTENCE_END, start, end):
                if self.count_tokens(text[s_start:s_end]) <= budget:
                    atoms.append((s_start, s_end))
                else:
                    atoms.extend(self._word_spans(text, s_start, s_end, budget))
        spans: list[tuple[int, int]] = []
        for start, end in atoms:
            if spans and self.count_tokens(text[spans[-1][0] : end]) <= budget:
                spans[-1] = (spans[-1][0], end)
            else:
                spans.append((start, end))
        return spans

    def _word_spans(self, text: str, start: int, end: int, budget: int) -> list[tuple[int, int]]:
        words = [m.span() for m in re.finditer(r"\S+", text[start:end])]
        spans, first = [], 0
        while first < len(words):
            last = first
            while last + 1 < len(words) and self.count_tokens(
                text[start + words[first][0] : start + words[last + 1][1]]
            ) <= budget:
                last += 1
            spans.append((start + words[first][0], start + words[last][1]))
            first = last + 1
        return spans


def _split(text: str, separator: re.Pattern, start: int, end: int) -> list[tuple[int, int]]:
    spans, cursor = [], start
    for match in separator.finditer(text, start, end):
        if match.start() > cursor:
            spans.append((cursor, match.start()))
        cursor = match.end()
    if cursor < end:
        spans.append((cursor, end))
    return spans
