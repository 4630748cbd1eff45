"""Chunks → articles: each article appears once, with its best-matching passage."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from haystack import Document, component

# A cross-reference's relation (search/crossrefs.py), as a verb: « X met en œuvre cet article ».
VERBS = {"met en œuvre": "met en œuvre", "mis en œuvre par": "est mis en œuvre par",
         "en deçà de": "est en deçà de", "plus protecteur que": "est plus protecteur que",
         "même objet": "a le même objet que"}


@dataclass
class Hit:
    instrument: str
    article: str
    key: str
    label: str
    short_title: str
    score: float
    text: str
    passage: str
    hierarchy: list[str] = field(default_factory=list)
    jurisdiction: str = ""
    kind: str = ""
    pages: list[int] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    linked_from: str = ""  # the article found whose cross-reference brought this one (search/linking.py)
    link: str = ""  # their relation, as the linking article states it ("met en œuvre"…)

    @property
    def link_note(self) -> str:
        """Why a linked article is listed: « Code pénal 2024, art. 327-12 met en œuvre cet article »."""
        if not self.linked_from:
            return ""
        return f"{self.linked_from} {VERBS.get(self.link, self.link)} cet article"

    @property
    def citation(self) -> str:
        """`Code pénal 2024, art. 327-12`, with the page(s) when the text came from a PDF."""
        if not self.pages:
            return f"{self.short_title}, {self.label}"
        pages = f"p. {self.pages[0]}" if len(self.pages) == 1 else f"p. {self.pages[0]}-{self.pages[-1]}"
        return f"{self.short_title}, {self.label}, {pages}"

    def to_dict(self) -> dict:
        return {**asdict(self), "citation": self.citation}


def article_of(doc: Document) -> str:
    """`instrument:key`, the id an article goes by in search."""
    return f"{doc.meta['instrument']}:{doc.meta['key']}"


class FirstChunks:
    """Each article's first chunk (it carries the whole article text), fetched once per serving
    collection: a new index starts afresh."""

    def __init__(self, document_store):
        self.document_store = document_store
        self.collection: str | None = None
        self.chunks: dict[str, Document] = {}

    def of(self, articles: list[str], collection: str) -> dict[str, Document]:
        if collection != self.collection:
            self.chunks, self.collection = {}, collection
        chunks = self.chunks  # a new index may swap the dict meanwhile: this call keeps its own
        missing = [a.replace(":", "|", 1) + "|0" for a in articles if a not in chunks]
        if missing:
            chunks.update({article_of(d): d for d in self.document_store.get_documents_by_id(missing)})
        return {a: chunks[a] for a in articles if a in chunks}


@component
class ArticleGrouper:
    """Keeps the best chunk per article and restores the whole verbatim article text."""

    def __init__(self, document_store, top_k: int = 10):
        if top_k < 1:
            raise ValueError("top_k must be at least 1")
        self.document_store = document_store
        self.top_k = top_k

    @component.output_types(hits=list[Hit])
    def run(self, documents: list[Document], top_k: int | None = None):
        limit = top_k or self.top_k
        best: dict[tuple[str, str], Document] = {}
        for doc in sorted(documents, key=lambda d: d.score or 0.0, reverse=True):
            key = (doc.meta["instrument"], doc.meta["key"])
            if key not in best:
                best[key] = doc
            if len(best) == limit:
                break
        return {"hits": [self._hit(doc) for doc in best.values()]}

    def _hit(self, doc: Document) -> Hit:
        meta = doc.meta
        return Hit(
            instrument=meta["instrument"],
            article=meta["article"],
            key=meta["key"],
            label=meta["label"],
            short_title=meta["short_title"],
            score=float(doc.score or 0.0),
            text=self._article_text(doc),
            passage=doc.content or "",
            hierarchy=list(meta.get("hierarchy") or []),
            jurisdiction=meta.get("jurisdiction", ""),
            kind=meta.get("kind", ""),
            pages=list(meta.get("pages") or []),
            themes=list(meta.get("themes") or []),
            linked_from=meta.get("linked_from", ""),
            link=meta.get("link", ""),
        )

    def _article_text(self, doc: Document) -> str:
        if doc.meta.get("chunks", 1) == 1:
            return doc.content or ""
        if doc.meta.get("chunk") == 0 and "article_text" in doc.meta:
            return doc.meta["article_text"]
        first = self.document_store.get_documents_by_id([f"{doc.meta['instrument']}|{doc.meta['key']}|0"])
        return first[0].meta.get("article_text", first[0].content) if first else doc.content or ""
