"""An optional plain-French explanation above the answer card, written by a chat model the user
runs (any OpenAI-compatible endpoint, e.g. a local Ollama), and shown only where it can be
checked against the quoted articles: every sentence cites one of the card's articles, and every
number it states is printed in an article it cites. Off unless `llm_url` is set; a failure of the
endpoint is reported in French and never touches the card, whose quotes stay the answer."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

from haystack import component
from haystack.dataclasses import ChatMessage
from haystack.utils import Secret

from ingest.analyzer import fold
from search.grouping import Hit

logger = logging.getLogger(__name__)

MAX_ARTICLE_CHARS = 3000  # a small local model has a short context: very long articles are cut in the prompt
MAX_REPLY_TOKENS = 400  # five short sentences and their references
PLACEHOLDER_KEY = "musoya"  # endpoints without keys (Ollama) still need a non-empty one from the client
FALLBACK = "seules les citations sont affichées"

SYSTEM = """Tu aides une parajuriste au Mali. On te donne une question et des articles de loi cités mot pour mot.
Explique en 2 à 5 phrases courtes, en français simple, ce que ces articles disent sur la question.
Règles :
- Utilise UNIQUEMENT les articles donnés. N’ajoute aucune autre loi, aucun fait, aucun conseil.
- Termine chaque phrase par la référence de l’article qu’elle résume, entre crochets, recopiée exactement \
comme elle est donnée, par exemple [{example}].
- N’écris dans une phrase que des nombres (âges, durées, montants, années) qui figurent dans \
l’article qu’elle cite.
- Si les articles ne répondent pas à la question, écris seulement : « Les articles cités ne répondent pas \
à cette question. »
- Pas de titre, pas de liste, pas de phrase sans référence."""

USER = """Question : {question}

Articles :

{articles}

Explication (2 à 5 phrases, chacune terminée par sa référence entre crochets) :"""


# ---------------------------------------------------------------- result


@dataclass
class ExplainedSentence:
    text: str  # with its references rewritten to the card's exact citations
    citations: list[str]
    keys: list[tuple[str, str]]  # (instrument, article key) of each cited article


@dataclass
class Explanation:
    """What the card shows above its quotes: verified sentences only, or nothing, or why nothing."""

    sentences: list[ExplainedSentence] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (sentence, reason): unverified, never shown
    error: str | None = None  # French message when the endpoint failed
    declined: bool = False  # the model said the articles do not answer

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.sentences)

    @property
    def removed(self) -> int:
        return len(self.rejected)

    @property
    def shown(self) -> bool:
        return bool(self.sentences)

    def to_dict(self) -> dict:
        return {"text": self.text, "removed": self.removed, "error": self.error, "declined": self.declined,
                "sentences": [{"text": s.text, "citations": s.citations, "articles": [list(k) for k in s.keys]}
                              for s in self.sentences]}


# ---------------------------------------------------------------- prompt


def prompt(question: str, hits: list[Hit]) -> list[ChatMessage]:
    """The question and each article with the reference to copy and its verbatim text."""
    blocks = []
    for hit in hits:
        text = hit.text.strip()
        if len(text) > MAX_ARTICLE_CHARS:
            text = text[:MAX_ARTICLE_CHARS].rstrip() + " […]"
        blocks.append(f"[{hit.citation}]\n{text}")
    return [ChatMessage.from_system(SYSTEM.format(example=hits[0].citation)),
            ChatMessage.from_user(USER.format(question=question.strip(), articles="\n\n".join(blocks)))]


# ---------------------------------------------------------------- sentences

BULLET = re.compile(r"^\s*(?:[-*•–]|\d{1,2}[.)])\s+")
CITATION = re.compile(r"\[([^\[\]]*)\]")
TRAILING_CITATION = re.compile(r"[ \t\u00a0\u202f]*\[[^\[\]]*\]")
TRAILING_STOP = re.compile(r"[ \t\u00a0\u202f]*[.!?…]")
NEXT_WORD = re.compile(r"\s+(\S)")
THINKING = re.compile(r"<think>.*?(?:</think>|$)", re.DOTALL)  # reasoning models' scratchpad
ENDS = ".!?…"


def split_sentences(reply: str) -> list[str]:
    """Sentences of the reply; a reference written after the full stop stays with its sentence."""
    reply = THINKING.sub(" ", reply).replace("**", "")
    paragraphs, current = [], ""
    for raw in reply.splitlines():  # hard-wrapped lines are joined, list items kept apart
        bullet = BULLET.match(raw)
        line = BULLET.sub("", raw).strip()
        if not line:
            paragraphs.append(current)
            current = ""
        elif bullet or not current or current[-1] in ENDS + "]:»":
            paragraphs.append(current)
            current = line
        else:
            current += " " + line
    paragraphs.append(current)
    return [s for p in paragraphs if p.strip() for s in _split(p.strip())]


def _split(text: str) -> list[str]:
    out, start, depth, i, n = [], 0, 0, 0, len(text)
    while i < n:
        c = text[i]
        if c == "[":
            depth += 1
        elif c == "]":
            depth = max(depth - 1, 0)
        elif depth == 0 and c in ENDS:
            j = i + 1
            while j < n and text[j] in ENDS + "»\")":
                j += 1
            k = j
            while m := TRAILING_CITATION.match(text, k):
                k = m.end()
            if k > j and (m := TRAILING_STOP.match(text, k)):
                k = m.end()
            if k >= n:
                break
            nxt = NEXT_WORD.match(text, k)
            # "art. 3" or "al. 2" is not the end of a sentence; a capital or a quote after the stop is.
            if nxt and (k > j or nxt.group(1).isupper() or nxt.group(1) in "«\"("):
                out.append(text[start:k].strip())
                start = k
            i = max(k, j)
            continue
        i += 1
    if text[start:].strip():
        out.append(text[start:].strip())
    return out


# ---------------------------------------------------------------- references


def normalise_reference(reference: str) -> str:
    """`Code Pénal 2024, Article 327-12` and `code penal (2024) art. 327‑12` compare equal."""
    text = fold(reference.replace("\u2011", "-")).lower()  # NFKD also turns the no-break spaces into spaces
    text = re.sub(r"\barticles?\b", "art", text)
    text = re.sub(r"\bart\W*(?:1er|premier)\b", "art 1", text)
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


class References:
    """The card's articles by every way of writing their reference that points to one of them only."""

    def __init__(self, hits: list[Hit]):
        self.exact: dict[str, Hit] = {}
        loose: dict[str, dict[tuple[str, str], Hit]] = {}
        for hit in hits:
            self.exact.setdefault(normalise_reference(hit.citation), hit)
            self.exact.setdefault(normalise_reference(f"{hit.short_title}, {hit.label}"), hit)
            # Without the qualifier of a number printed twice: only when the card holds one such article.
            bare = re.sub(r"\s*\([^)]*\)\s*$", "", hit.label)
            loose.setdefault(normalise_reference(f"{hit.short_title}, {bare}"), {})[(hit.instrument, hit.key)] = hit
        self.loose = {k: next(iter(v.values())) for k, v in loose.items() if len(v) == 1}

    def resolve(self, reference: str) -> Hit | None:
        key = normalise_reference(reference)
        return self.exact.get(key) or self.loose.get(key)


# ---------------------------------------------------------------- numbers

DIGITS = re.compile(r"(?<![\d,])\d{1,3}(?:[ \u00a0\u202f.]\d{3})+(?![\d,])|\d+(?:,\d+)?")
NUMBER_WORD = (r"(?:zero|une?|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|treize|quatorze|quinze"
               r"|seize|vingts?|trente|quarante|cinquante|soixante|cents?|mille|millions?|milliards?)")
NUMBER_WORDS = re.compile(rf"\b{NUMBER_WORD}(?:(?:[\s-]+(?:et[\s-]+(?=(?:une?|onze)\b))?){NUMBER_WORD}\b)*\b")
UNITS = {"zero": 0, "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7,
         "huit": 8, "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14, "quinze": 15,
         "seize": 16, "vingt": 20, "vingts": 20, "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60}
SCALES = {"mille": 10**3, "million": 10**6, "millions": 10**6, "milliard": 10**9, "milliards": 10**9}


def _words_value(words: list[str]) -> int:
    total = current = 0
    previous = ""
    for word in words:
        if word in ("cent", "cents"):
            current = (current or 1) * 100
        elif word in SCALES:
            total += (current or 1) * SCALES[word]
            current = 0
        elif word.startswith("vingt") and previous == "quatre":  # quatre-vingt(s)
            current += 80 - 4
        else:
            current += UNITS[word]
        previous = word
    return total + current


def numbers(text: str, article_words: bool = False) -> set[str]:
    """Every number in `text`, in digits (`1 000 000`, `seize`, `quatre-vingt-dix` → 1000000, 16, 90).

    A lone « un »/« une » is an article in a sentence, not a number: it counts only in the
    quoted law (`article_words`), where it may be what « 1 an » paraphrases.
    """
    found = set()
    for match in DIGITS.finditer(text):
        value = match.group()
        if "," in value:
            whole, decimals = value.split(",", 1)
            found.add(f"{int(whole)},{decimals}")
        else:
            found.add(str(int(re.sub(r"\D", "", value))))
    for match in NUMBER_WORDS.finditer(fold(text).lower()):
        words = [w for w in re.split(r"[\s-]+", match.group()) if w and w != "et"]
        if words in (["un"], ["une"]) and not article_words:
            continue
        found.add(str(_words_value(words)))
    return found


def printed_numbers(hit: Hit) -> set[str]:
    """What a sentence citing `hit` may state: the numbers of its text and of its title."""
    found = numbers(hit.text, article_words=True) | numbers(hit.short_title)
    return found | {str(int(d)) for d in re.findall(r"\d+", f"{hit.text} {hit.short_title}")}


def without_article_numbers(sentence: str, hits: list[Hit]) -> str:
    """The sentence without the cited articles' own numbers ("l’article 327-12"): they name the
    article and are no claim, but their parts ("12") must not vouch for "12 ans"."""
    for hit in hits:
        sentence = re.sub(rf"(?<![\w-]){re.escape(hit.article)}(?![\w-])", " ", sentence)
    return sentence


# ---------------------------------------------------------------- verification


def check_sentence(sentence: str, references: References,
                   printed: dict[tuple[str, str], set[str]]) -> ExplainedSentence | str:
    """The sentence with its references normalised, or why it cannot be shown."""
    groups = CITATION.findall(sentence)
    if not groups:
        return "sans référence"
    cited: dict[tuple[str, str], Hit] = {}
    rewritten = []
    for group in groups:
        hits = []
        for part in (p for p in group.split(";") if p.strip()):
            hit = references.resolve(part)
            if hit is None:
                return f"référence inconnue : {part.strip()}"
            if hit not in hits:
                hits.append(hit)
        if not hits:
            return "référence vide"
        rewritten.append("[" + "; ".join(h.citation for h in hits) + "]")
        cited.update({(h.instrument, h.key): h for h in hits})
    outside = without_article_numbers(CITATION.sub(" ", sentence), list(cited.values()))
    for number in sorted(numbers(outside)):
        if not any(number in printed[key] for key in cited):
            return f"nombre absent des articles cités : {number}"
    parts = iter(rewritten)
    text = CITATION.sub(lambda _: next(parts), sentence)
    text = re.sub(r"[ \t]+([.!?…])", r"\1", re.sub(r"\s+", " ", text)).strip()
    return ExplainedSentence(text, [h.citation for h in cited.values()], list(cited))


def verify(reply: str, articles: list[Any]) -> Explanation:
    """Keep the sentences of `reply` that cite the card's articles and state only their numbers."""
    hits = _hits(articles)
    references = References(hits)
    printed = {(h.instrument, h.key): printed_numbers(h) for h in hits}
    explanation = Explanation()
    for sentence in split_sentences(reply):
        checked = check_sentence(sentence, references, printed)
        if isinstance(checked, ExplainedSentence):
            explanation.sentences.append(checked)
        else:
            explanation.rejected.append((sentence, checked))
    if not explanation.sentences and re.search(r"ne repond(?:ent)? pas", fold(reply).lower()):
        explanation.declined = True
    return explanation


def _hits(articles: list[Any]) -> list[Hit]:
    """Hits from Hits or CardArticles, each article once."""
    hits, seen = [], set()
    for article in articles:
        hit = getattr(article, "hit", article)
        if (hit.instrument, hit.key) not in seen:
            seen.add((hit.instrument, hit.key))
            hits.append(hit)
    return hits


# ---------------------------------------------------------------- the endpoint


def endpoint(url: str) -> str:
    """`http://localhost:11434` → `…/v1`: OpenAI-compatible servers answer under /v1."""
    url = url.strip().rstrip("/")
    return url + "/v1" if urlparse(url).path in ("", "/") else url


def failure_message(exc: Exception, url: str, model: str, timeout: float) -> str:
    """Why the explanation is missing, in words a paralegal can pass on to whoever set it up."""
    import openai

    if isinstance(exc, openai.APITimeoutError):
        reason = f"pas de réponse en {timeout:g} s"
    elif isinstance(exc, openai.APIConnectionError):
        reason = f"injoignable à l’adresse {url}"
    elif isinstance(exc, (openai.AuthenticationError, openai.PermissionDeniedError)):
        reason = "clé d’accès refusée"
    elif isinstance(exc, openai.NotFoundError):
        reason = f"modèle « {model} » ou adresse introuvable"
    elif isinstance(exc, openai.APIStatusError):
        reason = f"erreur HTTP {exc.status_code}"
    else:
        reason = f"erreur inattendue : {type(exc).__name__}"
    return f"Le service d’explication n’a pas répondu ({reason}) : {FALLBACK}."


@component
class Explainer:
    """The chat model behind the explanation, and the check of what it wrote."""

    def __init__(self, url: str, model: str = "qwen2.5:3b-instruct", api_key: Secret | None = None,
                 timeout: float = 30.0):
        # Imported here: the openai client costs a second at start-up, and only matters when this is on.
        from haystack.components.generators.chat import OpenAIChatGenerator

        self.url = endpoint(url)
        self.model = model
        self.timeout = timeout
        # No retries: a second wait would only delay a card whose quotes are already there.
        self.generator = OpenAIChatGenerator(
            api_key=api_key or Secret.from_token(PLACEHOLDER_KEY), model=model, api_base_url=self.url,
            timeout=timeout, max_retries=0, generation_kwargs={"temperature": 0, "max_tokens": MAX_REPLY_TOKENS})

    @classmethod
    def from_settings(cls, settings) -> Explainer | None:
        """None when no endpoint is configured: the feature is off."""
        if not settings.llm_url:
            return None
        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else ""
        return cls(settings.llm_url, settings.llm_model, Secret.from_token(key) if key else None,
                   settings.llm_timeout)

    @component.output_types(explanation=Explanation)
    def run(self, question: str, articles: list[Hit]):
        try:
            hits = _hits(articles)
            replies = self.generator.run(messages=prompt(question, hits))["replies"]
        except Exception as exc:  # noqa: BLE001 - never the card's problem: it is shown without the explanation
            logger.warning("explanation endpoint failed: %r", exc)
            return {"explanation": Explanation(error=failure_message(exc, self.url, self.model, self.timeout))}
        reply = (replies[0].text or "") if replies else ""
        if not reply.strip():
            return {"explanation": Explanation(error=f"Le service d’explication n’a rien renvoyé : {FALLBACK}.")}
        try:
            return {"explanation": verify(reply, hits)}
        except Exception:  # a reply the checks cannot read is a reply not shown
            logger.exception("explanation could not be verified")
            return {"explanation": Explanation(rejected=[(reply, "illisible")])}


def explain(question: str, articles: list[Any], settings, explainer: Explainer | None = None) -> Explanation | None:
    """The verified explanation of `articles` (Hits or CardArticles); None when it is off or has nothing to explain."""
    if not settings.llm_url or not articles or not question.strip():
        return None
    explainer = explainer or Explainer.from_settings(settings)
    return explainer.run(question=question, articles=list(articles))["explanation"]


def explain_card(card, settings, explainer: Explainer | None = None) -> Explanation | None:
    """Only an answered card with articles gets an explanation: there is nothing to explain otherwise."""
    if not card.answered or not card.articles:
        return None
    return explain(card.query, card.articles, settings, explainer)
