"""The index follows the library: incremental, atomic, and a failure never loses the old one."""

import pytest

from conftest import FakeDocumentEmbedder, bundle
from ingest.index import Index
from ingest.sources import add_file, library, safe_stem
from ingest.store import StoreUnavailable, open_client

SMALL = ("un-cedef-1979", "oit-c100-egalite-remuneration-1951")


@pytest.fixture
def client(settings):
    client = open_client(settings)
    yield client
    client.close()


def sync(settings, client, embedder=None):
    return Index(settings, client).sync(library(settings), lambda: embedder or FakeDocumentEmbedder())


def count(client, settings, instrument=None):
    from qdrant_client.http import models as rest

    selector = None
    if instrument:
        selector = rest.Filter(must=[rest.FieldCondition(key="meta.instrument", match=rest.MatchValue(value=instrument))])
    return client.count(settings.collection, count_filter=selector).count


def test_first_sync_builds_the_index_behind_an_alias(settings, client):
    bundle(settings, *SMALL)
    report = sync(settings, client)
    index = Index(settings, client)
    assert report.changed and report.instruments == 2
    assert report.articles == 30 + 14
    assert report.embedded == report.chunks == count(client, settings)
    assert index.serving().startswith(f"{settings.collection}-")
    assert set(index.indexed()) == set(SMALL)


def test_unchanged_library_is_not_re_embedded(settings, client):
    bundle(settings, *SMALL)
    sync(settings, client)
    before = Index(settings, client).serving()
    embedder = FakeDocumentEmbedder()
    report = sync(settings, client, embedder)
    assert not report.changed and embedder.embedded == 0
    assert Index(settings, client).serving() == before


def test_only_the_changed_instrument_is_embedded_again(settings, client):
    bundle(settings, *SMALL)
    sync(settings, client)
    c100 = settings.corpus_dir / "oit-c100-egalite-remuneration-1951.md"
    c100.write_text(c100.read_text(encoding="utf-8") + "\n## Article 15\n\nTexte ajouté.\n", encoding="utf-8")
    embedder = FakeDocumentEmbedder()
    report = sync(settings, client, embedder)
    assert report.changed
    assert embedder.embedded == count(client, settings, "oit-c100-egalite-remuneration-1951") == 15
    assert report.copied == count(client, settings, "un-cedef-1979")
    assert len(client.get_collections().collections) == 1, "the previous collection is gone"


def test_removed_instrument_leaves_the_index(settings, client):
    bundle(settings, *SMALL)
    sync(settings, client)
    (settings.corpus_dir / "un-cedef-1979.md").unlink()
    report = sync(settings, client)
    assert report.removed == ["un-cedef-1979"]
    assert count(client, settings, "un-cedef-1979") == 0
    assert count(client, settings) == 14


def test_failed_ingest_keeps_the_previous_index_serving(settings, client):
    bundle(settings, *SMALL)
    sync(settings, client)
    serving, total = Index(settings, client).serving(), count(client, settings)
    bundle(settings, "mali-constitution-2023")
    with pytest.raises(Exception, match="panne simulée"):
        sync(settings, client, FakeDocumentEmbedder(fail_after=64))
    assert Index(settings, client).serving() == serving
    assert count(client, settings) == total
    assert [c.name for c in client.get_collections().collections] == [serving]
    report = sync(settings, client)  # a re-run finishes the job
    assert report.changed and count(client, settings, "mali-constitution-2023") > 190


def test_collection_left_by_a_killed_ingest_is_cleaned_up(settings, client):
    bundle(settings, *SMALL)
    sync(settings, client)
    index = Index(settings, client)
    from ingest.store import create_collection

    create_collection(index.store(f"{settings.collection}-20990101000000000000"))
    sync(settings, client)
    assert [c.name for c in client.get_collections().collections] == [index.serving()]


def test_unreadable_file_is_reported_and_its_previous_version_kept(settings, client):
    bundle(settings, *SMALL)
    sync(settings, client)
    cedef = settings.corpus_dir / "un-cedef-1979.md"
    cedef.write_bytes("## Article 1\n\nÉgalité.".encode("cp1252"))
    report = sync(settings, client)
    assert "UTF-8" in report.errors["un-cedef-1979.md"]
    assert count(client, settings, "un-cedef-1979") >= 30


def test_added_file_is_copied_under_a_safe_name_and_indexed(settings, client, tmp_path):
    mine = tmp_path / "Loi .. n°2015-052 quota é.md"
    mine.write_text("---\ntitle: Loi quota\nshort_title: Loi 2015-052\n---\n\n## Article 1\n\nAu moins 30 %.\n", encoding="utf-8")
    source = add_file(mine, settings)
    assert source.path.parent == settings.data_dir / "ajouts"
    assert source.path.name == "loi-n2015-052-quota-e.md"
    sync(settings, client)
    indexed = Index(settings, client).indexed()
    assert list(indexed) == ["loi-n2015-052-quota-e"]
    assert indexed["loi-n2015-052-quota-e"].startswith(source.content_hash())


def test_a_second_process_gets_a_french_explanation(settings, client):
    with pytest.raises(StoreUnavailable, match="déjà ouvert"):
        open_client(settings)


def test_safe_names_cannot_escape_the_data_folder():
    assert safe_stem("../../etc/passwd") == "etc-passwd"
    assert safe_stem("Ɓamakɔ ߒߞߏ") == "amak"
    assert safe_stem("...") == "texte"


def test_uploads_are_size_limited_and_stored_under_safe_names(settings):
    from ingest.markdown import ParseError
    from ingest.sources import add_upload

    law = "## Article 1\n\nAu moins 30 % de femmes.\n".encode()
    source = add_upload("../../etc/Loi quota.md", law, settings)
    assert source.path == settings.data_dir / "ajouts" / "loi-quota.md"
    assert not list((settings.data_dir / "televersements").iterdir()), "the received copy is not kept"
    settings.max_upload_mb = 0
    with pytest.raises(ParseError, match="taille permise"):
        add_upload("gros.pdf", b"%PDF" + b"0" * 10, settings)


def test_an_added_text_never_replaces_a_bundled_one(settings, tmp_path):
    bundle(settings, "un-cedef-1979")
    mine = tmp_path / "un-cedef-1979.md"
    mine.write_text("## Article 1\n\nMa version annotée.\n", encoding="utf-8")
    source = add_file(mine, settings)
    assert source.instrument_id == "un-cedef-1979-ajout"
    assert [s.instrument_id for s in library(settings)] == ["un-cedef-1979", "un-cedef-1979-ajout"]
