"""The curated theme taxonomy (`corpus/themes.yaml`) and what it says about each article.

Themes let people who do not know the law's vocabulary reach the right articles: each
theme lists the articles read and checked by a curator, with a plain-language description,
and the words people use to tell such a situation. Everything here is pure data work
(no model, no index), so ingestion and search can both rely on it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ingest.analyzer import PUNCT, analyze, fold

THEME_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ARTICLE_REF = re.compile(r"^([a-z0-9][a-z0-9-]*):(\S.*)$")
FIELDS = {"id", "label", "description", "situations", "vocabulary", "headings", "articles", "missing"}


@dataclass
class Theme:
    id: str
    label: str
    description: str = ""
    situations: list[str] = field(default_factory=list)
    vocabulary: list[str] = field(default_factory=list)
    headings: list[str] = field(default_factory=list)
    articles: dict[str, str] = field(default_factory=dict)  # "instrument:key" → plain description
    missing: str = ""

    def article_refs(self) -> list[tuple[str, str]]:
        """(instrument id, article key) of every listed article, in file order."""
        return [split_ref(ref) for ref in self.articles]


def split_ref(ref: str) -> tuple[str, str]:
    """`mali-code-penal-2024:327-12` → (`mali-code-penal-2024`, `327-12`)."""
    match = ARTICLE_REF.match(ref.strip())
    if not match:
        raise ValueError(f"référence d’article invalide « {ref} » (attendu : texte:article, par ex. mali-code-penal-2024:327-12)")
    return match.group(1), match.group(2).strip()


def read_curated_yaml(path: Path, what: str):
    """A curated YAML file, or a French `ValueError` saying what is wrong with it (and where)."""
    path = Path(path)
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ValueError(f"fichier des {what} introuvable : {path}") from exc
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path.name} n’est pas encodé en UTF-8") from exc
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" (ligne {where.line + 1})" if where is not None else ""
        raise ValueError(f"{path.name} n’est pas un YAML lisible{line}") from exc


def load_themes(path: Path) -> list[Theme]:
    """Read and check the theme file; a mistake names the entry and what is wrong with it."""
    path = Path(path)
    data = read_curated_yaml(path, "thèmes")
    if not isinstance(data, list):
        raise ValueError(f"{path.name} doit contenir une liste de thèmes (« - id: … »)")
    themes, seen = [], set()
    for number, entry in enumerate(data, start=1):
        themes.append(_theme(entry, number, path.name))
        if themes[-1].id in seen:
            raise ValueError(f"{path.name}, thème n° {number} : l’identifiant « {themes[-1].id} » est en double")
        seen.add(themes[-1].id)
    return themes


def _theme(entry, number: int, name: str) -> Theme:
    where = f"{name}, thème n° {number}"
    if not isinstance(entry, dict):
        raise ValueError(f"{where} : chaque thème doit être un ensemble de champs « clé: valeur »")
    if isinstance(entry.get("id"), str):
        where += f" (« {entry['id']} »)"
    unknown = sorted(set(map(str, entry)) - FIELDS)
    if unknown:
        raise ValueError(f"{where} : champ inconnu « {unknown[0]} » (champs permis : {', '.join(sorted(FIELDS))})")
    for key in ("id", "label"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise ValueError(f"{where} : le champ « {key} » est obligatoire (texte non vide)")
    if not THEME_ID.match(entry["id"]):
        raise ValueError(f"{where} : l’identifiant doit être en minuscules, chiffres et tirets (par ex. mariage-enfant)")
    for key in ("description", "missing"):
        if entry.get(key) is not None and not isinstance(entry[key], str):
            raise ValueError(f"{where} : le champ « {key} » doit être un texte")
    lists = {}
    for key in ("situations", "vocabulary", "headings"):
        value = entry.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise ValueError(f"{where} : le champ « {key} » doit être une liste de textes non vides")
        lists[key] = [v.strip() for v in value]
    articles = entry.get("articles") or {}
    if not isinstance(articles, dict):
        raise ValueError(f"{where} : le champ « articles » doit associer « texte:article » à une description")
    checked = {}
    for ref, text in articles.items():
        try:
            instrument, key = split_ref(str(ref))
        except ValueError as exc:
            raise ValueError(f"{where} : {exc}") from None
        if text is not None and not isinstance(text, str):
            raise ValueError(f"{where} : la description de {ref} doit être un texte (ou \"\")")
        checked[f"{instrument}:{key}"] = (text or "").strip()
    return Theme(
        id=entry["id"], label=entry["label"].strip(), description=(entry.get("description") or "").strip(),
        situations=lists["situations"], vocabulary=lists["vocabulary"], headings=lists["headings"],
        articles=checked, missing=(entry.get("missing") or "").strip(),
    )


def normalise_heading(text: str) -> str:
    """Heading text for comparison: typographic marks, case and accents do not matter."""
    return " ".join(fold(text.lower().translate(PUNCT)).split())


class ThemeTagger:
    """Which themes an article belongs to, and how a curator described it in plain words."""

    def __init__(self, themes: list[Theme]):
        self.themes = list(themes)
        self.by_id = {t.id: t for t in self.themes}
        self._articles: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for theme in self.themes:
            for ref, text in theme.articles.items():
                self._articles.setdefault(split_ref(ref), []).append((theme.id, text))
        # A heading matches as whole words: "du viol" must not catch "de la violation".
        self._headings = [
            (theme.id, re.compile(rf"(?<!\w){re.escape(normalise_heading(h))}(?!\w)"))
            for theme in self.themes for h in theme.headings
        ]
        self._phrases = [(theme.id, phrase_patterns(theme.vocabulary)) for theme in self.themes]

    def tag(self, instrument_id: str, article_key: str, hierarchy: list[str]) -> list[str]:
        """Theme ids of one article: listed by a curator, or under a curated heading."""
        found = [theme_id for theme_id, _ in self._articles.get((instrument_id, article_key), [])]
        path = [normalise_heading(h) for h in hierarchy]
        for theme_id, pattern in self._headings:
            if theme_id not in found and any(pattern.search(h) for h in path):
                found.append(theme_id)
        return [t.id for t in self.themes if t.id in found]  # file order, stable across runs

    def description(self, instrument_id: str, article_key: str) -> str:
        """The curated plain-language description(s) of an article, joined; "" when none."""
        texts = []
        for _, text in self._articles.get((instrument_id, article_key), []):
            if text and text not in texts:
                texts.append(text)
        return " ; ".join(texts)

    def labels(self, theme_ids: list[str]) -> list[str]:
        return [self.by_id[t].label for t in theme_ids if t in self.by_id]

    def match_question(self, text: str) -> list[str]:
        """Themes whose curated words occur in a question (accents, plurals, elisions ignored).

        A vocabulary entry matches when its words appear side by side in the question;
        an entry written "a + b" needs both parts anywhere in it, and the part "âge<18"
        stands for an age under 18 written in figures. Words shared by many
        themes are left to the vocabulary of each, so a vague question matches nothing.
        """
        terms = question_terms(text)
        return [theme_id for theme_id, patterns in self._phrases if matches(terms, patterns)] if terms else []


MINOR_AGE = "âge<18"  # vocabulary part: an age under 18 written in figures ("ma sœur de 14 ans")
ENDINGS = ("ent", "ee", "es", "e", "s")


def _root(term: str) -> str:
    """Undo what the stemmer leaves of conjugation and agreement (obligent/oblig, mariée/marie)."""
    for ending in ENDINGS:
        if term.endswith(ending) and len(term) - len(ending) >= 4:
            return term[: -len(ending)]
    return term


def question_terms(text: str, keep_stop_words: bool = False) -> list[str]:
    """A question's words as curated vocabulary is matched against them."""
    return [_root(t) for t in analyze(text, keep_stop_words)]


def phrase_patterns(vocabulary: list[str], keep_stop_words: bool = False) -> list[list[list[str]]]:
    """Curated entries ("a + b": both parts anywhere) compiled for `matches`.

    Keeping stop words lets an entry hinge on how a question asks ("quelle part",
    "comment divorcer"), the same setting being used on both sides.
    """
    patterns = []
    for entry in vocabulary:
        parts = [[MINOR_AGE] if p.strip() == MINOR_AGE else question_terms(p, keep_stop_words)
                 for p in entry.split(" + ")]
        if all(parts):
            patterns.append(parts)
    return patterns


def matches(terms: list[str], patterns: list[list[list[str]]]) -> bool:
    return any(all(_contains(terms, part) for part in parts) for parts in patterns)


def _contains(terms: list[str], phrase: list[str]) -> bool:
    if phrase == [MINOR_AGE]:
        return any(t.isdigit() and int(t) < 18 and nxt == "an" for t, nxt in zip(terms, terms[1:]))
    n = len(phrase)
    return any(terms[i : i + n] == phrase for i in range(len(terms) - n + 1))
