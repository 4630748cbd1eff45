"""Cloze quizzes from chosen articles: a key number or term blanked out of the verbatim text.

Every answer is exactly the characters removed from the article, so putting it back into
the stem gives a verbatim substring of the article. Distractors are values of the same
kind (ages, durations, amounts, defined offences, key terms) found in *other* articles of
the library, never equal to the answer. The same seed gives the same quiz.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass, field

from briefs.references import Cited, Library

BLANK = "_____"
WINDOW = 110  # characters kept on each side of the blank in a long paragraph
CHOICES = 4
NOT_LAW = "note explicative"  # a kit's published explanations: never a source of distractors

_WORD = (r"(?:une|un|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|treize|quatorze|quinze|seize"
         r"|vingt|trente|quarante|cinquante|soixante|cent|mille)")
_NUMBER = rf"(?:\d{{1,3}}(?:[ \u00a0\u202f]\d{{3}})+|\d+|{_WORD}(?:[- ](?:et[- ])?{_WORD})*)"
NUM = rf"(?P<v>{_NUMBER})(?![\w-])"

PATTERNS: list[tuple[str, re.Pattern]] = [
    ("âge", re.compile(rf"âgée?s? de (?:moins de |plus de |)(?<![\w-]){NUM} ans")),
    ("terme", re.compile(r"\bConstitue (?:un |une |le |la |l’|les )(?P<v>[^,.;:\n]{3,60}?)\s*,")),
    ("peine", re.compile(rf"(?:emprisonnement|réclusion|détention|interdiction de séjour)(?: criminelle)? "
                         rf"(?:de |d’)(?<![\w-]){NUM} (?P<unit>ans?|mois|jours)")),
    ("montant", re.compile(rf"amende (?:de |d’)(?<![\w-]){NUM}(?= de francs| francs)")),
    ("durée", re.compile(rf"(?<![\w-]){NUM} (?P<unit>ans?|mois|jours)\b")),
]
KEY_TERMS = ("consentement", "mariage", "discrimination", "égalité", "santé", "dignité", "esclavage",
             "servitude", "éducation", "emploi", "traite", "violence", "intégrité", "fiançailles",
             "nationalité", "travail", "liberté", "enfant", "famille", "rémunération", "maternité")
TERM_PATTERN = re.compile(r"(?<![\w’'-])(?P<v>" + "|".join(KEY_TERMS) + r")(?![\w-])")


@dataclass(frozen=True)
class Candidate:
    kind: str  # with its unit for durations: « peine ans », « durée mois »
    value: str
    start: int
    end: int


UNITS = {"un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7, "huit": 8,
         "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14, "quinze": 15, "seize": 16,
         "vingt": 20, "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60}


def number_value(value: str) -> int | None:
    """« dix-huit » → 18, « 1 000 000 » → 1000000: two spellings of one number are one answer."""
    digits = re.sub(r"[ \u00a0\u202f]", "", value)
    if digits.isdigit():
        return int(digits)
    total = current = 0
    for word in re.split(r"[- ]+", value.casefold()):
        if word == "et":
            continue
        word = word.removesuffix("s") if word in ("cents", "vingts") else word
        if word == "cent":
            current = (current or 1) * 100
        elif word == "mille":
            total += (current or 1) * 1000
            current = 0
        elif word == "vingt" and current % 100 == 4:
            current += 76  # quatre-vingt
        elif word in UNITS:
            current += UNITS[word]
        else:
            return None
    return total + current


@dataclass
class QuizItem:
    instrument: str
    key: str
    citation: str
    kind: str  # âge, peine ans, durée mois, montant, terme, mot-clé…
    stem: str  # verbatim text with the answer replaced by BLANK
    answer: str
    choices: list[str] = field(default_factory=list)
    cut_before: bool = False
    cut_after: bool = False

    @property
    def filled(self) -> str:
        return self.stem.replace(BLANK, self.answer, 1)

    @property
    def prompt(self) -> str:
        return ("… " if self.cut_before else "") + self.stem + (" …" if self.cut_after else "")


def _norm(value: str) -> str:
    number = number_value(value)
    if number is not None:
        return str(number)
    return " ".join(value.replace("\u00a0", " ").replace("\u202f", " ").split()).casefold()


def candidates(text: str) -> list[Candidate]:
    """Blankable values in an article, best kinds first; a span is used once."""
    found: list[Candidate] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in PATTERNS:
        for match in pattern.finditer(text):
            start, end = match.span("v")
            if any(start < e and s < end for s, e in taken):
                continue
            taken.append((start, end))
            unit = match.groupdict().get("unit")
            found.append(Candidate(f"{kind} {'ans' if unit.startswith('an') else unit}" if unit else kind,
                                   match.group("v"), start, end))
    for match in TERM_PATTERN.finditer(text):
        start, end = match.span("v")
        if not any(start < e and s < end for s, e in taken):
            taken.append((start, end))
            found.append(Candidate("mot-clé", match.group("v"), start, end))
    return found


def _stem(text: str, candidate: Candidate) -> tuple[str, bool, bool]:
    """The paragraph around the blank, cut at word boundaries when it is long."""
    para_start = text.rfind("\n", 0, candidate.start) + 1
    para_end = text.find("\n", candidate.end)
    para_end = len(text) if para_end == -1 else para_end
    left, right = para_start, para_end
    if candidate.start - left > WINDOW:
        cut = text.find(" ", candidate.start - WINDOW, candidate.start)
        left = cut + 1 if cut != -1 else left
    if right - candidate.end > WINDOW:
        cut = text.rfind(" ", candidate.end, candidate.end + WINDOW)
        right = cut if cut != -1 else right
    stem = text[left:candidate.start] + BLANK + text[candidate.end:right]
    return stem, left > para_start, right < para_end


class Quizmaker:
    """Holds the pools of values per kind, read once from the whole library."""

    def __init__(self, library: Library):
        # kind → normalised value → (where it occurs, how it is spelled)
        self.pools: dict[str, dict[str, tuple[set[tuple[str, str]], set[str]]]] = {}
        self._articles = [(i, a) for i, a in library.all_articles() if i.kind != NOT_LAW]
        for instrument, article in self._articles:
            for c in candidates(article.text):
                where, forms = self.pools.setdefault(c.kind, {}).setdefault(_norm(c.value), (set(), set()))
                where.add((instrument.id, article.key))
                forms.add(c.value)

    def distractors(self, kind: str, answer: str, source: tuple[str, str], rng: random.Random,
                    count: int = CHOICES - 1) -> list[str]:
        """Values of the same kind seen in other articles, all different from the answer.

        A number is offered in the answer's spelling (words or digits) when the corpus has it.
        """
        pool = self.pools.get(kind, {})
        values = sorted(v for v, (where, _) in pool.items() if v != _norm(answer) and where - {source})
        target = number_value(answer)
        if target:  # plausible numbers: the ones closest in size to the answer
            values = sorted((v for v in values if v.isdigit() and int(v) > 0),
                            key=lambda v: (abs(math.log(int(v) / target)), int(v)))[: max(2 * count, 5)]
            values.sort()
        in_words = not answer[:1].isdigit()
        shown = []
        for value in rng.sample(values, min(count, len(values))):
            forms = sorted(pool[value][1])
            alike = [f for f in forms if (not f[:1].isdigit()) == in_words]
            shown.append((alike or forms)[0])
        return shown

    def item(self, cited: Cited, rng: random.Random, skip: set[str] = frozenset()) -> QuizItem | None:
        options = [c for c in candidates(cited.text) if _norm(c.value) not in skip]
        if not options:
            return None
        best_kind = options[0].kind
        same_kind = [c for c in options if c.kind == best_kind]
        chosen = same_kind[rng.randrange(len(same_kind))]
        stem, before, after = _stem(cited.text, chosen)
        choices = self.distractors(chosen.kind, chosen.value, (cited.instrument, cited.key), rng) + [chosen.value]
        rng.shuffle(choices)
        return QuizItem(cited.instrument, cited.key, cited.citation, chosen.kind, stem, chosen.value, choices,
                        before, after)

    def quiz(self, articles: list[Cited], seed: int = 0, per_article: int = 1) -> list[QuizItem]:
        rng = random.Random(seed)
        items = []
        for cited in articles:
            used: set[str] = set()
            for _ in range(per_article):
                item = self.item(cited, rng, used)
                if item is None:
                    break
                used.add(_norm(item.answer))
                items.append(item)
        return items


def make_quiz(library: Library, articles: list[Cited], seed: int = 0, per_article: int = 1) -> list[QuizItem]:
    return Quizmaker(library).quiz(articles, seed, per_article)
