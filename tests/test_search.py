"""Search mechanics over a real embedded Qdrant, with the fake embedder (fast)."""

import time

import pytest

from conftest import FakeDocumentEmbedder, FakeTextEmbedder, bundle, make_settings
from ingest.index import Index
from ingest.sources import library
from ingest.store import open_client
from search.grouping import ArticleGrouper
from search.searcher import IndexMissing, QueryError, Searcher, build_filters

INSTRUMENTS = ("un-cedef-1979", "un-cde-1989", "oit-c183-protection-maternite-2000", "mali-constitution-2023")


@pytest.fixture(scope="module")
def searcher(tmp_path_factory):
    settings = make_settings(tmp_path_factory.mktemp("search"))
    bundle(settings, *INSTRUMENTS)
    client = open_client(settings)
    Index(settings, client).sync(library(settings), FakeDocumentEmbedder)
    yield Searcher(Index(settings, client), FakeTextEmbedder, top_k=5)
    client.close()


@pytest.mark.parametrize("mode", ["hybrid", "dense", "sparse"])
def test_each_mode_finds_an_article_by_its_own_words(searcher, mode):
    result = searcher.search("toute distinction, exclusion ou restriction fondée sur le sexe qui a pour effet ou pour but de compromettre", mode=mode)
    assert (result.hits[0].instrument, result.hits[0].article) == ("un-cedef-1979", "1")
    assert result.took_ms > 0


def test_hits_are_whole_verbatim_articles_cited_by_short_title(searcher):
    hit = searcher.search("congé de maternité d’une durée de quatorze semaines", mode="sparse").hits[0]
    assert hit.instrument == "oit-c183-protection-maternite-2000"
    source = (searcher.index.settings.corpus_dir / f"{hit.instrument}.md").read_text(encoding="utf-8")
    assert hit.text in source
    assert hit.citation == f"OIT C183 (protection de la maternité), art. {hit.article}"


def test_each_article_appears_once(searcher):
    hits = searcher.search("droit de l’enfant", top_k=10).hits
    keys = [(h.instrument, h.key) for h in hits]
    assert len(keys) == len(set(keys)) == 10


def test_filters_narrow_by_instrument_and_jurisdiction(searcher):
    only_cde = searcher.search("égalité des femmes", instrument="un-cde-1989").hits
    assert only_cde and {h.instrument for h in only_cde} == {"un-cde-1989"}
    mali = searcher.search("égalité des femmes", jurisdiction="Mali").hits
    assert mali and {h.jurisdiction for h in mali} == {"Mali"}
    assert searcher.search("égalité", instrument="texte-inexistant").hits == []


def test_filter_dict_is_haystack_shaped():
    assert build_filters() is None
    assert build_filters(kind="traité") == {
        "operator": "AND", "conditions": [{"field": "meta.kind", "operator": "==", "value": "traité"}]
    }


@pytest.mark.parametrize("query", ["", "   ", "\x00\x07"])
def test_empty_questions_get_a_french_message(searcher, query):
    with pytest.raises(QueryError, match="La question est vide"):
        searcher.search(query)


def test_unknown_mode_is_refused(searcher):
    with pytest.raises(QueryError, match="Mode de recherche inconnu"):
        searcher.search("mariage", mode="magique")


def test_absurd_queries_are_bounded_and_do_not_crash(searcher):
    started = time.perf_counter()
    result = searcher.search("mariage forcé <script>alert(1)</script> " * 5000)
    assert len(result.query) <= 2000
    assert time.perf_counter() - started < 30
    assert searcher.search("zzqx wq 12345 ߒߞߏ").hits is not None


def test_missing_index_is_explained(settings):
    client = open_client(settings)
    try:
        with pytest.raises(IndexMissing, match="musoya ingest"):
            Searcher(Index(settings, client), FakeTextEmbedder).search("mariage")
    finally:
        client.close()


def test_grouper_init_and_long_articles_come_back_whole(settings):
    with pytest.raises(ValueError):
        ArticleGrouper(document_store=None, top_k=0)
    long_text = "\n\n".join(f"{i}. " + "Les États parties prennent toutes les mesures appropriées. " * 20 for i in range(6))
    (settings.corpus_dir / "long.md").write_text(f"---\nshort_title: Long\n---\n\n## Article 1\n\n{long_text}\n", encoding="utf-8")
    client = open_client(settings)
    try:
        Index(settings, client).sync(library(settings), FakeDocumentEmbedder)
        hits = Searcher(Index(settings, client), FakeTextEmbedder).search("mesures appropriées", top_k=3).hits
        assert len(hits) == 1
        assert hits[0].text == long_text
        assert hits[0].passage in long_text and hits[0].passage != long_text
    finally:
        client.close()


def test_no_usage_data_leaves_the_computer():
    import os
    import subprocess
    import sys

    from musoya.settings import ROOT

    code = "import search.fusion, briefs, evals; from haystack.telemetry import _telemetry; print(_telemetry.telemetry)"
    env = {k: v for k, v in os.environ.items() if k != "HAYSTACK_TELEMETRY_ENABLED"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env)
    assert out.stdout.strip() == "None", out.stderr


def test_linked_provisions_join_the_list_after_the_first_five(searcher, tmp_path):
    """The curated cross-references of the first articles found come in from the sixth place,
    labelled; the first five stay as ranked, and the filters still apply."""
    links = tmp_path / "crossrefs.yaml"
    links.write_text("- national: mali-constitution-2023:10\n  international: oit-c183-protection-maternite-2000:1\n"
                     "  relation: même objet\n  theme: travail\n  reviewed: true\n", encoding="utf-8")
    linking = Searcher(searcher.index, FakeTextEmbedder, top_k=5, crossrefs=str(links))
    question = "droit à l’éducation, à la santé et à la protection sociale de tout citoyen"
    plain = [(h.instrument, h.key) for h in searcher.search(question, top_k=10, mode="sparse").hits]
    assert plain[0] == ("mali-constitution-2023", "10")
    assert ("oit-c183-protection-maternite-2000", "1") not in plain
    hits = linking.search(question, top_k=10, mode="sparse").hits
    assert [(h.instrument, h.key) for h in hits[:5]] == plain[:5]
    assert (hits[5].instrument, hits[5].key) == ("oit-c183-protection-maternite-2000", "1")
    assert hits[5].link_note == "Constitution 2023, art. 10 a le même objet que cet article"
    assert not any(h.linked_from for h in hits[:5] + hits[6:])
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert [(h.instrument, h.key) for h in linking.search(question, top_k=5, mode="sparse").hits] == plain[:5]
    national = linking.search(question, top_k=10, mode="sparse", jurisdiction="Mali").hits
    assert national and {h.jurisdiction for h in national} == {"Mali"}
