"""The provisions linked to the first articles found join the list, after its first five.

An advocate argues a Malian article and the international commitments behind it side by side
("mariage d’enfant": Code pénal 327-12, CEDEF 16, CDE 1). The question rarely carries the
treaty's words, so the search alone often leaves the backing article out of the first ten.
The curated cross-references (`corpus/crossrefs.yaml`) say which provisions go together: the
links of the first three articles are placed from the sixth place on, alternating with the
ranked list, so the first five (what the answer card shows) stay as ranked.

Measured (`musoya eval`, served configuration), recall@10 went 0.75 → 0.81 on gold and 0.69 →
0.74 over the nine later sets, nDCG@10 0.70 → 0.73 and 0.63 → 0.65; primary@5 is unchanged by
construction, primary@10 lost one gold question (0.95 → 0.94). Of the articles the links brought
into the first ten, 14 % (gold) and 15 % (later sets) are relevant, against 3 % and 4 % of the
ranked ones they pushed out.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from haystack import Document, component

from search.crossrefs import load_crossrefs
from search.grouping import FirstChunks, article_of
from search.reranking import passes

KEPT = 5  # the first articles, left as ranked
SOURCES = 3  # the first articles whose links join the list
PER_SOURCE = 2  # links taken from each of them (reviewed ones first)


@component
class LinkedArticles:
    """Adds the cross-referenced provisions of the first articles; a linked article carries
    `linked_from` (the citation of the article that brought it) and `link` (the relation)."""

    def __init__(self, document_store, crossrefs: str):
        self.crossrefs = load_crossrefs(Path(crossrefs))
        self.first_chunks = FirstChunks(document_store)

    @component.output_types(documents=list[Document])
    def run(self, documents: list[Document], collection: str, filters: dict | None = None):
        ranked: dict[str, Document] = {}
        for doc in sorted(documents, key=lambda d: d.score or 0.0, reverse=True):
            ranked.setdefault(article_of(doc), doc)  # an article's best chunk
        order = list(ranked)
        wanted: dict[str, tuple[Document, str]] = {}  # linked article → (the article that links it, relation)
        for source in order[:SOURCES]:
            doc = ranked[source]
            links = self.crossrefs.related(doc.meta["instrument"], doc.meta["key"])
            for link in [x for x in links if x.ref not in order[:KEPT]][:PER_SOURCE]:
                wanted.setdefault(link.ref, (doc, link.relation))
        if not wanted:
            return {"documents": documents}
        fetched = self.first_chunks.of([ref for ref in wanted if ref not in ranked], collection)
        linked = []
        for ref, (source, relation) in wanted.items():
            doc = ranked.get(ref) or fetched.get(ref)
            if doc is not None and passes(filters, doc):
                citation = f"{source.meta['short_title']}, {source.meta['label']}"
                linked.append(replace(doc, meta={**doc.meta, "link": relation, "linked_from": citation}))
        moved = {article_of(d) for d in linked}
        rest = [ranked[a] for a in order[KEPT:] if a not in moved]
        tail = []
        while linked or rest:
            tail += [queue.pop(0) for queue in (linked, rest) if queue]
        merged = [ranked[a] for a in order[:KEPT]] + tail
        scores = sorted((d.score or 0.0 for d in ranked.values()), reverse=True)
        scores += [scores[-1]] * (len(merged) - len(scores))  # the grouper orders by score: keep this order
        return {"documents": [replace(d, score=s) for d, s in zip(merged, scores)]}
