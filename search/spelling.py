"""Typed on a phone: a word one letter away from a word of the corpus still finds it.

Exact words only would miss "mariiage", "harcelemnt" or "polygammie". Each word of the
question that the corpus (and the glossary) does not know is followed by its known
neighbours one edit away (a letter deleted, added, changed, or two letters swapped), the
most frequent first. Accents are already folded by the analyser; "15ans" is read "15 ans".

A French word the law does not use is not a typo: corrected, "dépression" became
"répression", "garage" "gavage", "séquelles" "sexuelles", and "cedef" (the convention's
name) "céder" in 91 of the training questions. Words of a general French dictionary (the
one pyspellchecker ships) and of the instruments' titles are left alone, and an elision typed
without its apostrophe ("javais", "dacte") is read as the word after it.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from collections import Counter
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml
from haystack import component

from ingest.analyzer import words
from search.expansion import spoken

GLUED_NUMBER = re.compile(r"(?<=\d)(?=[^\W\d_])|(?<=[^\W\d_])(?=\d)")
MIN_LENGTH = 5  # shorter words have too many neighbours one letter away
MAX_NEIGHBOURS = 2
FRENCH_WORDS = "mots-francais.txt"
ELISIONS = ("qu", "k", "j", "l", "d", "m", "n", "s", "t", "c")  # "k": qu' typed as in an SMS ("kelle")
VERSION = "4"  # bump when the way the vocabulary is built changes


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def one_edit(a: str, b: str) -> bool:
    """Damerau–Levenshtein distance exactly 1."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long = sorted((a, b), key=len)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


class Vocabulary:
    """Words searched for (corpus and glossary) with their weight, words simply known to be
    French (never corrected), and a deletion index to find neighbours quickly."""

    def __init__(self, frequencies: dict[str, int], known: set[str] | frozenset[str] = frozenset()):
        self.frequencies = frequencies
        self.known = known
        self._by_delete: dict[str, set[str]] = {}
        for word in frequencies:
            if len(word) >= MIN_LENGTH - 1:
                for variant in _deletes(word) | {word}:
                    self._by_delete.setdefault(variant, set()).add(word)

    def neighbours(self, word: str) -> list[str]:
        if word in self.frequencies or word in self.known or len(word) < MIN_LENGTH or not word.isalpha():
            return []
        for elision in ELISIONS:
            rest = word.removeprefix(elision)
            if rest != word and (rest in self.frequencies or rest in self.known):
                return [rest] if rest in self.frequencies else []
        found = set()
        for variant in _deletes(word) | {word}:
            found |= self._by_delete.get(variant, set())
        return sorted((w for w in found if one_edit(word, w)), key=lambda w: (-self.frequencies[w], w))[:MAX_NEIGHBOURS]


def build_vocabulary(settings) -> Vocabulary:
    """The words of the library (titles included) and of the glossary, cached under the data folder until a
    text changes.

    Glossary words weigh more than any corpus word: "exiser" is "exciser" (and then the
    glossary leads to the law's words), not the more frequent "exiger".
    """
    from ingest.sources import library, read

    sources = library(settings)
    glossary = settings.glossary.read_text(encoding="utf-8") if settings.glossary.is_file() else ""
    digest = hashlib.sha256((VERSION + "".join(s.content_hash() for s in sources) + glossary).encode()).hexdigest()[:16]
    cache = Path(settings.data_dir) / f"vocabulaire-{digest}.json"
    known = frozenset(_french_words(settings))
    if cache.is_file():
        return Vocabulary(json.loads(cache.read_text(encoding="utf-8")), known)
    counts: Counter[str] = Counter()
    for source in sources:
        try:
            instrument, articles = read(source)
        except Exception:  # noqa: BLE001 - an unreadable text is reported by ingest, not here
            continue
        titles = set(words(f"{instrument.title} {instrument.short_title}"))
        for article in articles:
            counts.update(set(words(article.text)) | set(words(" ".join(article.hierarchy))) | titles)
    boost = max(counts.values(), default=0) + 1
    for entry in yaml.safe_load(glossary) or []:
        for word in words(" ".join(spoken(entry))):
            counts[word] += boost
    cache.parent.mkdir(parents=True, exist_ok=True)
    for old in cache.parent.glob("vocabulaire-*.json"):
        old.unlink()
    cache.write_text(json.dumps(dict(counts), ensure_ascii=False), encoding="utf-8")
    return Vocabulary(dict(counts), known)


def _french_words(settings) -> set[str]:
    """The curated list (names and words of Malian French) and pyspellchecker's French dictionary."""
    path = Path(settings.corpus_dir).parent / "corpus" / FRENCH_WORDS
    path = path if path.is_file() else Path(__file__).resolve().parents[1] / "corpus" / FRENCH_WORDS
    known = set()
    if path.is_file():
        known = {line.strip() for line in path.read_text(encoding="utf-8").splitlines()
                 if line and not line.startswith("#")}
    return known | _dictionary()


@lru_cache(maxsize=1)
def _dictionary() -> frozenset[str]:
    """pyspellchecker's French words, accents folded: read once per process (0.2 s), not per searcher."""
    with resources.files("spellchecker").joinpath("resources", "fr.json.gz").open("rb") as data:
        return frozenset(words(" ".join(json.loads(gzip.decompress(data.read()))), keep_stop_words=True))


@component
class SpellingCorrector:
    """The question, followed by the corpus words close to the words the corpus does not know."""

    def __init__(self, vocabulary: Vocabulary):
        self.vocabulary = vocabulary

    @component.output_types(text=str, corrections=dict)
    def run(self, query: str):
        query = GLUED_NUMBER.sub(" ", query)
        corrections = {}
        for word in dict.fromkeys(words(query)):
            found = self.vocabulary.neighbours(word)
            if found:
                corrections[word] = found
        added = [w for found in corrections.values() for w in found]
        return {"text": " ".join([query, *added]), "corrections": corrections}
