"""Properties that must hold for any input: files from WhatsApp, USB sticks and old scanners.

Hypothesis generates the inputs (bounded, so the suite stays fast); each property says
what may come out: the right kind of value, or a French `ParseError`/`QueryError`,
never another exception.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, example, given, settings, strategies as st

from ingest.analyzer import analyze, document_weights, fold as analyzer_fold, query_weights, term_id
from ingest.chunker import ArticleChunker
from ingest.documents import decode_text
from ingest.layout import guess_metadata, to_markdown
from ingest.markdown import PAGE, ParseError, fold as markdown_fold, parse_markdown, parse_text
from ingest.records import Article, Instrument
from musoya.settings import ROOT
from search.searcher import MAX_QUERY_CHARS, QueryError, clean_query

FAST = settings(max_examples=150, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
FEW = settings(max_examples=40, deadline=5000, suppress_health_check=[HealthCheck.too_slow])
FRENCH = "French message: curly apostrophe or accented letter"

# Every character Python can hold, surrogates and controls included (argv on Linux, bad decodes).
ANY_CHAR = st.characters(codec=None, categories=None)
ANY_TEXT = st.text(ANY_CHAR, max_size=400)
# Lines shaped like the corpus and like what PDFs, Word and scanners produce.
LEGAL_LINES = st.sampled_from([
    "## Article 1", "## Article premier", "## Article 327-12", "## Article 2 bis", "## Article 1er",
    "# LIVRE I", "# TITRE II : DES PEINES", "# Chapitre 3", "# Préambule", "# Section 1", "# Annexe",
    "### Article 4", "##", "# ", "Fait à Bamako, le 13 décembre 2024", "Koulouba, le 1er mars 2023", "",
    "<!-- page 3 -->", "<!-- page 0 -->", "---", "title: Loi", "Article 5 : Le mariage forcé est puni.",
    "Art. 6.- Nul ne peut être réduit en esclavage.", "ARTICLE PREMIER : La loi est la même pour tous.",
    "JOURNAL OFFICIEL DE LA REPUBLIQUE DU MALI 12", "- 4 -", "1°) un alinéa ;", "\u00a0", "\t",
    "LOI N°2024-027 DU 13 DECEMBRE 2024 PORTANT CODE PENAL", "la suite d’un titre coupé",
])
LINE = st.one_of(LEGAL_LINES, st.text(ANY_CHAR, max_size=60))
DOCUMENT = st.one_of(ANY_TEXT, st.lists(LINE, max_size=40).map("\n".join))


def is_french(message: str) -> bool:
    return bool(re.search(r"[’àâçéèêëîïôûùü«]", message))


def stored(text: str) -> str:
    """What the parser promises to quote from: the text without its page markers."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line for line in text.split("\n") if not PAGE.match(line))


# --- Markdown parser --------------------------------------------------------------------------


@FAST
@given(DOCUMENT)
@example("---\na: [1\n---\n## Article 1\nx")  # broken YAML
@example("---\n- a\n- b\n---\n## Article 1\nx")  # YAML that is a list
@example("<!-- page " + "9" * 5000 + " -->\n## Article 1\ntexte")  # a page number Python cannot hold
@example("## Article 1\nalinéa un\x0calinéa deux")  # a form feed left by pdftotext
@example("# A\nun\n# A\ndeux\n# A#2\ntrois")  # a heading spelled like a generated id
def test_the_parser_returns_verbatim_units_or_a_french_error(text):
    try:
        instrument, articles = parse_text(text, "texte-test")
    except ParseError as exc:
        assert is_french(str(exc)), str(exc)
        return
    assert articles and instrument.id == "texte-test"
    keys = [a.key for a in articles]
    assert len(keys) == len(set(keys)), keys
    source = stored(text)
    for article in articles:
        assert article.text.strip(), "no empty unit"
        assert article.text in source, (article.key, article.text)
        assert all(f"<!-- page {p} -->" in text for p in article.pages), "pages come from the markers"
    assert [a.position for a in articles] == list(range(len(articles)))


@FAST
@given(st.lists(st.tuples(st.sampled_from(["1", "2", "2", "3 bis", "premier", "1er"]),
                          st.text(st.characters(categories=["L", "N", "Zs"]), min_size=1, max_size=30)),
                min_size=1, max_size=12),
       st.sampled_from(["\n", "\r\n", "\r"]))
def test_articles_come_back_in_order_with_their_text_whatever_the_line_ends(units, newline):
    """Unix, Windows and old Mac line ends: the articles written are the articles read, verbatim."""
    units = [(number, body) for number, body in units if body.strip()]
    assume(units)
    text = newline.join(f"## Article {number}{newline}{body}" for number, body in units)
    _, articles = parse_text(text, "t")
    assert [a.text for a in articles] == [body for _, body in units]
    expected = [{"premier": "1", "1er": "1"}.get(number, number) for number, _ in units]
    assert [a.article for a in articles] == expected


@FEW
@given(st.binary(max_size=2000))
def test_a_markdown_file_of_any_bytes_parses_or_is_refused_in_french(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("md") / "texte.md"
    path.write_bytes(data)
    try:
        parse_markdown(path)
    except ParseError as exc:
        assert is_french(str(exc))


# --- Layout and decoding ----------------------------------------------------------------------


@FAST
@given(st.lists(DOCUMENT, max_size=6), st.booleans(), st.booleans())
@example(["Article " + "1-" * 3000 + "x"], True, True)  # a number that never ends
def test_layout_turns_any_pages_into_parseable_markdown(pages, rejoin, markers):
    markdown = to_markdown(pages, rejoin=rejoin, page_markers=markers)
    assert isinstance(markdown, str) and markdown.endswith("\n")
    meta = guess_metadata(markdown, "x")
    assert meta["title"] and meta["short_title"]
    try:
        _, articles = parse_text(markdown, "x")
    except ParseError as exc:
        assert is_french(str(exc))
        return
    if markers:  # every page is announced, and each unit knows pages that exist
        assert all(1 <= p <= len(pages) for a in articles for p in a.pages)


@FAST
@given(st.binary(max_size=3000))
@example(b"\xef\xbb\xbf")
@example(b"\xff\xfe" + "Article 1".encode("utf-16-le"))
@example(bytes(range(256)))
def test_any_bytes_decode_to_text_or_a_french_error(data):
    try:
        text = decode_text(data)
    except ParseError as exc:
        assert is_french(str(exc))
        return
    assert isinstance(text, str)
    text.encode("utf-8")  # storable as the UTF-8 Markdown of the library


WORDS_1252 = ["été", "mariage", "forcé", "l’épouse", "déjà", "œuvre", "garçon", "naïve", "où", "à", "« loi »",
              "Côte", "âgée", "fête", "–", "…", "€", "°", "Article", "12", "pénal", "héritière", "créée"]


@FAST
@given(st.lists(st.sampled_from(WORDS_1252), min_size=6, max_size=80), st.sampled_from(["cp1252", "latin-1"]))
def test_text_saved_by_old_windows_software_decodes_back(words, encoding):
    text = "Le mariage forcé est interdit. " + " ".join(words)
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        assume(False)  # "œ", "€" or "’" have no latin-1 byte
    decoded = decode_text(data)
    # Guessing may pick a sibling encoding; the French letters, at least, must survive.
    assert re.sub(r"[^\w ]", "", decoded) == re.sub(r"[^\w ]", "", text)


# --- French analyser --------------------------------------------------------------------------

HOSTILE = st.one_of(
    ANY_TEXT,
    st.lists(st.sampled_from(["e\u0301", "\u202e", "\u200f", "ا", "👩🏾‍⚖️", "\x00", "\x1b", "ﬁ", "Ⅻ", "ℌ", "İ", "’",
                             "l’", "qu’", "\ud800", "\udcff", "ß", "Σ", " ", "-", "327‑12", "œ"]), max_size=200).map("".join),
)


@FAST
@given(HOSTILE)
@example("\udcff mariage")  # a non-UTF-8 byte in a command-line argument (Linux surrogate escape)
@example("mariage " * 12_500)  # 100 000 characters
def test_the_analyser_accepts_anything_and_is_deterministic(text):
    terms = analyze(text)
    assert terms == analyze(text)
    assert all(isinstance(t, str) and t and t.strip() == t for t in terms)
    ids = query_weights(text)
    assert all(0 <= i < 2**31 for i in ids)
    weights = document_weights(text, avg_len=50.0)
    assert set(weights) == set(ids) and all(w > 0 for w in weights.values())


@FAST
@given(HOSTILE)
@example("ℌ")
@example("🄰")
@example("İ")
def test_folding_is_idempotent(text):
    assert analyzer_fold(analyzer_fold(text)) == analyzer_fold(text)
    assert markdown_fold(markdown_fold(text)) == markdown_fold(text)


@FAST
@given(st.text(ANY_CHAR, max_size=30))
def test_term_ids_fit_qdrant_sparse_indices(term):
    try:
        value = term_id(term)
    except UnicodeEncodeError:
        assume(False)  # the analyser never emits such a term: see the test above
    assert 0 <= value < 2**31 and value == term_id(term)


def test_hundred_thousand_characters_are_analysed_quickly():
    import time

    text = (ROOT / "corpus" / "un-cedef-1979.md").read_text(encoding="utf-8")
    text = (text * (100_000 // len(text) + 1))[:100_000]
    started = time.perf_counter()
    assert len(analyze(text)) > 1000
    assert time.perf_counter() - started < 5


# --- Chunker ----------------------------------------------------------------------------------

INSTRUMENT = Instrument(id="t", title="Texte", short_title="Texte")
WORDS = st.text(st.characters(categories=["L", "N"], codec="utf-8"), min_size=1, max_size=14)
ARTICLE_TEXT = st.lists(
    st.tuples(WORDS, st.sampled_from([" ", " ", " ", ". ", ", ", "\n", "\n\n", " ; ", "\n \n", "  "])),
    min_size=1, max_size=300,
).map(lambda parts: "".join(w + s for w, s in parts).strip())


def check_chunks(chunker: ArticleChunker, text: str, hierarchy: list[str]) -> None:
    article = Article("t", "1", "1", text, hierarchy)
    documents = chunker.run(INSTRUMENT, [article])["documents"]
    budget = max(chunker.max_tokens - chunker.count_tokens(documents[0].meta["context"]), 16)
    cursor, covered = 0, []
    for n, document in enumerate(documents):
        assert document.meta["chunk"] == n and document.meta["chunks"] == len(documents)
        assert chunker.count_tokens(document.content) <= budget, (n, document.content[:80])
        start = text.find(document.content, cursor)
        assert start >= 0, "every chunk is an exact slice of the article, in order"
        assert not text[cursor:start].strip(), "nothing but white space is left between chunks"
        covered.append(document.content)
        cursor = start + len(document.content)
    assert not text[cursor:].strip()
    assert " ".join(covered).split() == text.split(), "the chunks joined cover the article"
    if len(documents) > 1:
        assert documents[0].meta["article_text"] == text


@FAST
@given(ARTICLE_TEXT, st.integers(min_value=32, max_value=200),
       st.lists(st.text(st.characters(categories=["L", "Zs"]), max_size=20), max_size=3))
def test_chunks_fit_the_budget_and_cover_the_article(text, max_tokens, hierarchy):
    check_chunks(ArticleChunker(max_tokens=max_tokens), text, hierarchy)


@pytest.mark.integration
@FEW
@given(text=ARTICLE_TEXT, max_tokens=st.integers(min_value=48, max_value=160))
def test_chunks_fit_the_real_tokenizer_budget(real_model_path, text, max_tokens):
    tokenizer = str(Path(real_model_path) / "tokenizer.json")
    chunker = ArticleChunker(max_tokens=max_tokens, tokenizer_path=tokenizer)
    chunker.__dict__["_tokenizer"] = real_tokenizer(tokenizer)  # loading it takes a second: once per session
    check_chunks(chunker, text, ["TITRE I"])


@lru_cache(maxsize=1)
def real_tokenizer(path: str):
    from tokenizers import Tokenizer

    return Tokenizer.from_file(path)


# --- Query cleaning ---------------------------------------------------------------------------


@FAST
@given(st.one_of(st.none(), ANY_TEXT, st.text(ANY_CHAR, min_size=1900, max_size=4000)))
@example("\x00\x1f\x7f")
@example(" \u3000\u2028 ")
def test_any_question_is_cleaned_or_refused_in_french(query):
    try:
        cleaned = clean_query(query)
    except QueryError as exc:
        assert is_french(str(exc))
        return
    assert 0 < len(cleaned) <= MAX_QUERY_CHARS
    assert cleaned == cleaned.lstrip() and "\n" not in cleaned and "\x00" not in cleaned
    assert clean_query(cleaned) == cleaned.strip()


# --- Answer card highlights -------------------------------------------------------------------

from search.highlight import MAX_HIGHLIGHTS, highlight  # noqa: E402


@FAST
@given(st.one_of(DOCUMENT, st.lists(st.sampled_from(WORDS_1252 + [".", ";", "\n", " ", "?", "!", "  "]),
                                    max_size=120).map(" ".join)),
       st.one_of(st.lists(st.sampled_from(WORDS_1252), max_size=6).map(" ".join), ANY_TEXT))
def test_highlights_are_verbatim_sentences_of_the_article(text, question):
    terms = set(analyze(question))
    spans = highlight(text, terms)
    assert len(spans) <= MAX_HIGHLIGHTS
    assert spans == sorted(spans)
    previous_end = 0
    for start, end in spans:
        assert previous_end <= start < end <= len(text), "offsets into the article text itself"
        sentence = text[start:end]
        assert sentence == sentence.strip() and sentence
        assert terms & set(analyze(sentence)), "a highlighted sentence shares a word with the question"
        previous_end = end
    if not terms:
        assert spans == []


# --- Exports: hostile text never crashes a writer and stays literal ---------------------------

from briefs.document import Bullets, Document, Paragraph, Quote, Section, Table  # noqa: E402
from briefs.writers import export  # noqa: E402

TYPED = st.one_of(
    ANY_TEXT,
    st.lists(st.sampled_from(["# Titre", "**gras**", "<script>alert(1)</script>", "[lien](http://x)", "| a | b |",
                              "\x00", "\x0b", "\x0c", "\ufffe", "\u202e", "👩🏾‍⚖️", "ߞߎ߲߬ߝߍ߲", "قانون", "---", "> cit",
                              "1. liste", "\\", "&amp;", "{{ x }}", "\n", "\r\n", " ", "é" * 300]),
             max_size=15).map("".join),
)
VERBATIM = st.lists(st.sampled_from(["Article 1 : Le mariage forcé est interdit.", "# pas un titre", "*étoile*",
                                     "<b>", "1. premier", "| barre |", "\\", "\n", "\n\n", "« guillemets »",
                                     "327‑12", "Loi n°2024-027"]), min_size=1, max_size=12).map("".join)


def no_surrogates(text: str) -> str:
    return text.encode("utf-8", "replace").decode("utf-8")  # what a browser form can send


def hostile_document(typed: list[str], quote: str) -> Document:
    typed = [no_surrogates(t) for t in typed]
    quote = quote if quote.strip() else "Texte."
    return Document(
        kind="note", title=typed[0][:200] or "Titre", subtitle=typed[1], date="29 novembre 2026",
        sections=[Section(typed[2], [Paragraph(typed[3]), Bullets([typed[4], typed[0]]),
                                     Quote(quote, typed[1] or "Code pénal, art. 1", comment=typed[2]),
                                     Table(["Texte", typed[3]], [[typed[4], typed[0]]])])],
        annex=[Quote(quote, "Code pénal, art. 1")], source=typed[4], warnings=[typed[3]],
    )


@FEW
@given(st.lists(TYPED, min_size=5, max_size=5), VERBATIM)
def test_the_markdown_export_keeps_quotes_verbatim_and_typed_text_literal(tmp_path_factory, typed, quote):
    path = export(hostile_document(typed, quote), tmp_path_factory.mktemp("md") / "note.md")
    text = path.read_text(encoding="utf-8")
    quoted = [line[2:] for line in text.splitlines() if line.startswith("> ")]
    for line in (quote if quote.strip() else "Texte.").split("\n"):
        if line.strip():
            assert line in quoted, line
    headings = [line for line in text.splitlines() if re.match(r"#{1,6} ", line)]
    expected = 3 + bool(no_surrogates(typed[2]))  # title, section if any, annex heading, annex quote
    assert len(headings) == expected, headings  # nothing typed adds a heading


@pytest.mark.parametrize("fmt", ["docx", "pptx", "pdf"])
def test_office_exports_survive_hostile_text(tmp_path, fmt):
    @settings(max_examples=6 if fmt == "pdf" else 10, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                      HealthCheck.function_scoped_fixture])
    @given(st.lists(TYPED, min_size=5, max_size=5), VERBATIM)
    def check(typed, quote):
        doc = hostile_document(typed, quote)
        path = export(doc, tmp_path / f"note.{fmt}")
        assert path.stat().st_size > 0
        if fmt == "docx":
            import docx

            written = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
            for block in (quote if quote.strip() else "Texte.").split("\n\n"):
                if block.strip():
                    assert block in written, "a quote is written verbatim"

    check()


def test_a_long_title_does_not_break_the_word_export(tmp_path):
    doc = hostile_document(["Note sur le mariage des enfants " * 10, "", "", "", ""], "Texte.")
    doc.title = "Note sur le mariage des enfants " * 10
    export(doc, tmp_path / "note.docx")
    import docx

    assert docx.Document(str(tmp_path / "note.docx")).paragraphs[0].text.strip() == doc.title.strip(), "the heading keeps it whole"
