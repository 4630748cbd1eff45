from ingest.chunker import ArticleChunker, context_line
from ingest.records import Article, Instrument

INSTRUMENT = Instrument(id="test-code", title="Code de test", short_title="Code test", jurisdiction="Mali")


def article(text, key="1"):
    return Article("test-code", key, key, text, ["TITRE I : Général", "Chapitre 1 : Principes"])


def test_init_checks_its_budget():
    ArticleChunker(max_tokens=64)
    try:
        ArticleChunker(max_tokens=4)
    except ValueError:
        return
    raise AssertionError("a tiny budget must be refused")


def test_to_dict_round_trip():
    chunker = ArticleChunker(max_tokens=200, tokenizer_path=None)
    data = chunker.to_dict()
    assert data["init_parameters"] == {"max_tokens": 200, "tokenizer_path": None, "themes_path": None}
    again = ArticleChunker.from_dict(data)
    assert again.max_tokens == 200


def test_short_article_is_one_chunk_with_its_context():
    docs = ArticleChunker(max_tokens=480).run(INSTRUMENT, [article("La femme et l’homme sont égaux.")])["documents"]
    assert len(docs) == 1
    doc = docs[0]
    assert doc.content == "La femme et l’homme sont égaux."
    assert doc.meta["context"] == "Code test › TITRE I : Général › Chapitre 1 : Principes › Article 1"
    assert doc.meta["instrument"] == "test-code" and doc.meta["article"] == "1"
    assert doc.meta["chunks"] == 1 and "article_text" not in doc.meta


def test_long_article_splits_at_paragraphs_and_keeps_text_verbatim():
    paragraphs = [f"Alinéa {i} : " + "la victime a droit à réparation intégrale du préjudice subi " * 6 for i in range(8)]
    text = "\n\n".join(paragraphs)
    docs = ArticleChunker(max_tokens=200).run(INSTRUMENT, [article(text, "7")])["documents"]
    assert len(docs) > 1
    assert all(d.meta["article"] == "7" and d.meta["chunks"] == len(docs) for d in docs)
    assert [d.meta["chunk"] for d in docs] == list(range(len(docs)))
    for doc in docs:
        assert doc.content in text
        assert doc.content.startswith("Alinéa")  # cut between paragraphs, not inside one
    assert "".join(d.content for d in docs).replace("\n", "") == text.replace("\n", "")
    assert docs[0].meta["article_text"] == text


def test_one_huge_paragraph_falls_back_to_sentences_then_words():
    text = "mot " * 2000
    chunker = ArticleChunker(max_tokens=100)
    docs = chunker.run(INSTRUMENT, [article(text.strip())])["documents"]
    assert len(docs) > 10
    assert all(chunker.count_tokens(d.meta["context"] + "\n" + d.content) <= 100 + 2 for d in docs)


def test_unnumbered_units_are_labelled_by_name():
    unit = Article("test-code", "préambule", "préambule", "Considérant…", [], numbered=False)
    assert context_line(INSTRUMENT, unit) == "Code test › préambule"


def test_curated_themes_join_the_embedded_context_and_the_payload():
    from musoya.settings import ROOT

    code = Instrument(id="mali-code-penal-2024", title="Code pénal", short_title="Code pénal 2024")
    chunker = ArticleChunker(max_tokens=480, themes_path=str(ROOT / "corpus" / "themes.yaml"))
    doc = chunker.run(code, [article("Est puni quiconque célèbre le mariage d’un enfant.", "327-12")])["documents"][0]
    assert "mariage-enfant" in doc.meta["themes"]
    assert "Thèmes : " in doc.meta["context"] and "Mariage d’enfant" in doc.meta["context"]
    assert doc.content == "Est puni quiconque célèbre le mariage d’un enfant."  # the stored text stays verbatim
    assert chunker.fingerprint("mali-code-penal-2024") != ArticleChunker(480).fingerprint("mali-code-penal-2024")


def test_a_text_added_by_a_user_gets_its_themes_from_its_own_words():
    from musoya.settings import ROOT

    added = Instrument(id="loi-quota", title="Loi quota", short_title="Loi quota", origin="ajout")
    chunker = ArticleChunker(max_tokens=480, themes_path=str(ROOT / "corpus" / "themes.yaml"))
    doc = chunker.run(added, [article("Au moins 30 % de femmes dans les fonctions nominatives.")])["documents"][0]
    assert doc.meta["themes"] == ["participation-politique"]
    bundled = chunker.run(INSTRUMENT, [article("Au moins 30 % de femmes dans les fonctions nominatives.")])["documents"][0]
    assert bundled.meta["themes"] == [], "bundled texts keep only their curated themes"
    assert chunker.fingerprint("loi-quota", "ajout") != chunker.fingerprint("loi-quota", "corpus")
