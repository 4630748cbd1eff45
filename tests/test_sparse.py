from haystack import Document

from ingest.sparse import FrenchSparseDocumentEmbedder, FrenchSparseTextEmbedder


def test_init_refuses_a_meaningless_average():
    try:
        FrenchSparseDocumentEmbedder(average_terms=0)
    except ValueError:
        return
    raise AssertionError


def test_to_dict_round_trip():
    embedder = FrenchSparseDocumentEmbedder(average_terms=42.0)
    again = FrenchSparseDocumentEmbedder.from_dict(embedder.to_dict())
    assert again.average_terms == 42.0


def test_documents_get_sparse_vectors_that_include_their_context():
    doc = Document(content="Quiconque célèbre un mariage d’enfant est puni.", meta={"context": "Section 9 : Du mariage d’enfant"})
    out = FrenchSparseDocumentEmbedder().run([doc])["documents"][0]
    assert out.content == doc.content
    assert out.sparse_embedding.indices == sorted(out.sparse_embedding.indices)
    query = FrenchSparseTextEmbedder().run("mariage des enfants")["sparse_embedding"]
    assert set(query.indices) <= set(out.sparse_embedding.indices)


def test_a_query_of_stop_words_only_gives_an_empty_vector():
    assert FrenchSparseTextEmbedder().run("de la et")["sparse_embedding"].indices == []
