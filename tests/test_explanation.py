"""The optional explanation above the card, through the real OpenAI chat generator talking to a
fake OpenAI-compatible server on 127.0.0.1: only sentences that cite the card's articles and
state only their numbers are kept, and a failing endpoint never breaks the card."""

from __future__ import annotations

import json
import socket

import pytest

from musoya.settings import Settings
from search.answer import Card, CardArticle
from search.explanation import (
    Explainer,
    endpoint,
    explain,
    explain_card,
    numbers,
    split_sentences,
    verify,
)
from search.grouping import Hit

MARRIAGE = Hit(
    instrument="mali-code-penal-2024", article="327-12", key="327-12", label="art. 327-12",
    short_title="Code pénal 2024", score=1.0, passage="",
    text="Constitue un mariage d’enfant, l’union entre un homme et une femme, célébrée par un officier d’Etat civil "
         "ou un ministre du culte, dont l’un au moins est âgé de moins de seize ans.\n\n"
         "Quiconque célèbre, force ou facilite un mariage d’enfant est puni d’un emprisonnement de cinq ans et "
         "d’une amende de 1 000 000 de francs.")
CHILD = Hit(
    instrument="un-cde-1989", article="1", key="1", label="art. 1", short_title="CDE (CIDE)", score=0.8, passage="",
    text="Au sens de la présente Convention, un enfant s’entend de tout être humain "
         "âgé de moins de dix-huit ans, "
         "sauf si la majorité est atteinte plus tôt en vertu de la législation qui lui est applicable.")
MAJORITY = Hit(
    instrument="mali-code-penal-2024", article="112-5", key="112-5", label="art. 112-5",
    short_title="Code pénal 2024", score=0.7, passage="", text="La majorité pénale est fixée à 18 ans.")
QUESTION = "Mon oncle veut marier ma petite sœur de 14 ans"
GOOD = ("Le mariage d’une fille de moins de 16 ans est un mariage d’enfant "
        "[code penal 2024, Article\u00a0327-12]. "
        "Celui qui le force risque 5 ans de prison et 1 000 000 de francs d’amende. [Code pénal 2024, art. 327-12]\n"
        "Un enfant est une personne de moins de 18 ans [CDE (CIDE), art. 1].")


@pytest.fixture
def fake(fake_llm):
    fake_llm.reply = GOOD
    return fake_llm


def settings_for(url: str | None, **extra) -> Settings:
    return Settings(llm_url=url, llm_model="test-model", llm_timeout=5, _env_file=None, **extra)


def url_of(server) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/v1"


def ask(fake, reply: str, articles=(MARRIAGE, CHILD)):
    fake.reply = reply
    return explain(QUESTION, list(articles), settings_for(url_of(fake)))


# ---------------------------------------------------------------- through the endpoint


def test_good_reply_is_kept_with_its_references_normalised(fake):
    explanation = ask(fake, GOOD)
    assert explanation.error is None and explanation.removed == 0
    assert [s.citations for s in explanation.sentences] == [
        ["Code pénal 2024, art. 327-12"], ["Code pénal 2024, art. 327-12"], ["CDE (CIDE), art. 1"]]
    assert explanation.sentences[0].text == ("Le mariage d’une fille de moins de 16 ans est un mariage d’enfant "
                                             "[Code pénal 2024, art. 327-12].")
    assert explanation.sentences[2].keys == [("un-cde-1989", "1")]
    assert explanation.text.count("[Code pénal 2024, art. 327-12]") == 2
    assert "Article" not in explanation.text and "\u00a0" not in explanation.text
    assert explanation.to_dict()["removed"] == 0


def test_prompt_carries_the_question_and_each_verbatim_article(fake):
    ask(fake, GOOD)
    (request,) = fake.requests
    assert request["path"] == "/v1/chat/completions"
    body = request["body"]
    assert body["model"] == "test-model" and body["temperature"] == 0
    sent = "\n".join(m["content"] if isinstance(m["content"], str) else json.dumps(m["content"], ensure_ascii=False)
                     for m in body["messages"])
    assert QUESTION in sent
    for hit in (MARRIAGE, CHILD):
        assert hit.text in sent
        assert f"[{hit.citation}]" in sent


def test_sentence_citing_an_article_not_in_the_card_is_removed(fake):
    explanation = ask(fake, GOOD + " La loi punit aussi le père [Code pénal 2024, art. 327-13].")
    assert explanation.removed == 1
    assert "327-13" not in explanation.text and len(explanation.sentences) == 3


def test_sentence_without_reference_is_removed(fake):
    explanation = ask(fake, "Il faut porter plainte tout de suite. " + GOOD)
    assert explanation.removed == 1 and "plainte" not in explanation.text
    assert explanation.rejected[0][1] == "sans référence"


@pytest.mark.parametrize("article", [CHILD, MAJORITY])  # the law in words (« dix-huit ») or in digits
def test_sentence_with_a_number_the_cited_article_does_not_print_is_removed(fake, article):
    reply = (f"Un enfant a moins de 14 ans [{article.citation}]. "
             f"La limite est de 18 ans [{article.citation}].")
    explanation = ask(fake, reply, [MARRIAGE, article])
    assert explanation.removed == 1 and "14" not in explanation.text
    assert explanation.text == f"La limite est de 18 ans [{article.citation}]."


def test_number_must_be_in_the_article_the_sentence_cites(fake):
    # 5 ans is in the Code pénal article, not in the CDE one it is attributed to.
    explanation = ask(fake, "La peine est de 5 ans [CDE (CIDE), art. 1].")
    assert explanation.sentences == [] and explanation.removed == 1


def test_nothing_verified_means_no_explanation(fake):
    reply = "Il faut aller à la police. Le mariage est interdit avant 21 ans [Code pénal 2024, art. 327-12]."
    explanation = ask(fake, reply)
    assert not explanation.shown and explanation.text == "" and explanation.removed == 2
    assert explanation.error is None


def test_model_saying_the_articles_do_not_answer_shows_nothing(fake):
    explanation = ask(fake, "Les articles cités ne répondent pas à cette question.")
    assert not explanation.shown and explanation.declined and explanation.error is None


def test_connection_refused_is_a_french_message_not_an_exception():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    explanation = explain(QUESTION, [MARRIAGE], settings_for(f"http://127.0.0.1:{port}/v1"))
    assert not explanation.shown
    assert explanation.error.startswith("Le service d’explication n’a pas répondu (injoignable")
    assert explanation.error.endswith("seules les citations sont affichées.")


def test_http_500_is_a_french_message(fake):
    fake.status = 500
    explanation = explain(QUESTION, [MARRIAGE], settings_for(url_of(fake)))
    assert not explanation.shown and "HTTP 500" in explanation.error
    assert len(fake.requests) == 1  # no retries


def test_timeout_is_a_french_message(fake):
    fake.delay = 1.5
    explanation = explain(QUESTION, [MARRIAGE], Settings(llm_url=url_of(fake), llm_timeout=0.3, _env_file=None))
    assert not explanation.shown and "pas de réponse en 0.3 s" in explanation.error


def test_empty_reply_is_a_french_message(fake):
    explanation = ask(fake, "  ")
    assert not explanation.shown and "n’a rien renvoyé" in explanation.error


def test_off_by_default_nothing_is_sent(fake):
    assert Settings(_env_file=None).llm_url is None
    assert explain(QUESTION, [MARRIAGE], settings_for(None)) is None
    assert fake.requests == []


def test_only_answered_cards_with_articles_are_explained(fake):
    settings = settings_for(url_of(fake))
    unanswered = Card(query=QUESTION, answered=False, confidence=0.1, took_ms=1.0)
    empty = Card(query=QUESTION, answered=True, confidence=0.9, took_ms=1.0)
    assert explain_card(unanswered, settings) is None and explain_card(empty, settings) is None
    assert fake.requests == []
    card = Card(query=QUESTION, answered=True, confidence=0.9, took_ms=1.0,
                articles=[CardArticle(MARRIAGE, []), CardArticle(CHILD, [])])
    explanation = explain_card(card, settings, Explainer.from_settings(settings))
    assert len(explanation.sentences) == 3 and len(fake.requests) == 1
    assert [a.hit for a in card.articles] == [MARRIAGE, CHILD]  # the card itself is untouched


def test_api_key_is_sent_when_set(fake):
    settings = settings_for(url_of(fake), llm_api_key="secret-token")
    explain(QUESTION, [MARRIAGE], settings)
    assert fake.requests[0]["auth"] == "Bearer secret-token"


# ---------------------------------------------------------------- the checks alone


def test_reference_after_the_full_stop_and_list_items_stay_with_their_sentence():
    reply = ("<think>brouillon 99</think>Voici l’explication :\n"
             "1. Le mariage d’un enfant est puni. [Code pénal 2024, art. 327-12]\n"
             "- Selon l’art. 327-12, la peine est de cinq ans\nd’emprisonnement [Code pénal 2024, art. 327-12].")
    assert split_sentences(reply) == [
        "Voici l’explication :",
        "Le mariage d’un enfant est puni. [Code pénal 2024, art. 327-12]",
        "Selon l’art. 327-12, la peine est de cinq ans d’emprisonnement [Code pénal 2024, art. 327-12]."]
    explanation = verify(reply, [CardArticle(MARRIAGE, [])])
    assert len(explanation.sentences) == 2 and explanation.removed == 1


def test_several_references_in_one_bracket_all_must_resolve():
    both = "Le mariage avant 16 ans est interdit [Code pénal 2024, art. 327-12 ; CDE (CIDE), article 1]."
    explanation = verify(both, [MARRIAGE, CHILD])
    assert explanation.sentences[0].citations == ["Code pénal 2024, art. 327-12", "CDE (CIDE), art. 1"]
    assert explanation.text.endswith("[Code pénal 2024, art. 327-12; CDE (CIDE), art. 1].")
    assert verify(both.replace("article 1", "art. 2"), [MARRIAGE, CHILD]).removed == 1


def test_page_and_qualifier_may_be_left_out_only_when_unambiguous():
    paged = Hit(instrument="loi", article="3", key="3", label="art. 3", short_title="Loi 2015-052", score=1.0,
                passage="", text="Les femmes occupent au moins 30 % des postes.", pages=[4])
    twice = [Hit(instrument="cp", article="511-1", key=key, label=f"art. 511-1 ({where})",
                 short_title="Code pénal 2024", score=1.0, passage="", text="Texte.")
             for key, where in (("511-1", "livre V"), ("511-1#2", "titre XI"))]
    kept = verify("Au moins 30 % des postes [Loi 2015-052, art. 3].", [paged])
    assert kept.sentences[0].citations == ["Loi 2015-052, art. 3, p. 4"]
    assert verify("Ceci [Code pénal 2024, art. 511-1].", twice).removed == 1
    assert verify("Ceci [Code pénal 2024, art. 511-1 (titre XI)].", twice).sentences[0].keys == [("cp", "511-1#2")]


def test_numbers_in_words_and_digits():
    assert numbers("moins de seize ans, quatre-vingt-dix jours, soixante et onze, 1 000 000 de francs, 2,5 %") == {
        "16", "90", "71", "1000000", "2,5"}
    assert numbers("une amende") == set()  # « une » is an article here
    assert numbers("un million de francs") == {"1000000"}


def test_endpoint_gets_v1_when_given_a_bare_server():
    assert endpoint("http://localhost:11434") == "http://localhost:11434/v1"
    assert endpoint("http://localhost:11434/v1/") == "http://localhost:11434/v1"
    assert endpoint("https://example.org/api/openai") == "https://example.org/api/openai"


def test_the_article_number_names_the_article_but_vouches_for_no_number():
    kept = verify("L’article 327-12 punit le mariage d’enfant [Code pénal 2024, art. 327-12].", [MARRIAGE])
    assert kept.shown and kept.removed == 0
    twelve = verify("La peine est de 12 ans [Code pénal 2024, art. 327-12].", [MARRIAGE])
    assert not twelve.shown and twelve.removed == 1
