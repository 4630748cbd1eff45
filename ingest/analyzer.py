"""French analyser for the sparse (BM25-style) side of search.

The corpus is typographic (’ apostrophes, U+2011 hyphens, narrow no-break spaces) and
people type on phones without accents: both sides are normalised the same way here,
and only here. Stored text is never touched.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from functools import lru_cache

import Stemmer

PUNCT = str.maketrans({
    "’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'",
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
    "œ": "oe", "æ": "ae",
    "\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u2007": " ",
})
ELISION = re.compile(r"\b(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu|quoiqu)'")
TOKEN = re.compile(r"\d+(?:-\d+)+|[^\W_]+")

STOP_WORDS = frozenset("""
a ai aie aient aies ait al alors as au aucun aucune aupres aussi autre autres aux avaient
avais avait avant avec avez aviez avions avoir avons ayant ce ceci cela celle celles celui
ces cet cette ceux chacun chacune chaque comme comment dans de des deja depuis donc dont du
elle elles en encore entre es est et etaient etais etait etant ete etes etre eu eux fait
faire fois font hors ici il ils je jusqu la le les leur leurs lui ma mais me meme memes
mes moi mon ne ni nos notre nous on ont or ou par parce pas peu peut peuvent plus pour
pourquoi quand que quel quelle quelles quels qui quoi sa sans se sera serait ses si son
sont sous soit sur ta te tes toi ton tous tout toute toutes tres tu un une vos votre vous
y c d j l m n s t qu
""".split())


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=1)
def _stemmer():
    return Stemmer.Stemmer("french")


def words(text: str, keep_stop_words: bool = False) -> list[str]:
    """Text → lowercase, accent-free words, in order (stop words removed), before stemming."""
    # Lowercase again after folding: "ℌ" or "🄰" only become letters there, and Snowball empties capitals.
    text = fold(text.lower().translate(PUNCT)).lower()
    text = ELISION.sub(" ", text)
    return [w for w in TOKEN.findall(text) if keep_stop_words or w not in STOP_WORDS]


def analyze(text: str, keep_stop_words: bool = False) -> list[str]:
    """Text → stemmed, accent-free terms, in order (stop words removed unless asked to keep them)."""
    return [t for t in _stemmer().stemWords(words(text, keep_stop_words)) if t]


def term_id(term: str) -> int:
    """Stable 31-bit id of a term (Qdrant sparse indices are unsigned 32-bit)."""
    return int.from_bytes(hashlib.blake2b(term.encode(), digest_size=4).digest(), "little") & 0x7FFFFFFF


def term_weights(terms: list[str], avg_len: float, k1: float = 1.2, b: float = 0.75) -> dict[str, float]:
    """BM25 term-frequency part of each term of a text; the IDF is the other half."""
    norm = k1 * (1 - b + b * len(terms) / avg_len)
    return {t: tf * (k1 + 1) / (tf + norm) for t, tf in Counter(terms).items()}


def document_weights(text: str, avg_len: float) -> dict[int, float]:
    """BM25 term-frequency part; Qdrant's IDF modifier supplies the other half."""
    return {term_id(t): weight for t, weight in term_weights(analyze(text), avg_len).items()}


def query_weights(text: str) -> dict[int, float]:
    return {term_id(t): 1.0 for t in set(analyze(text))}
