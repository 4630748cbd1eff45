"""National ↔ international cross-references (`corpus/crossrefs.yaml`).

A curator links a Malian provision to the international provision on the same right and
says how they relate: the Malian text applies it, falls short of it, or covers the same
ground. Search shows these links next to an article; a gap table per theme shows where
Malian law stands against the standards, and says plainly when the Malian law on the
theme is not in the bundled corpus. `suggest` proposes links a curator has not reviewed
yet; they are never shown as links, only as "voir aussi".
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ingest.analyzer import analyze
from ingest.markdown import ParseError
from ingest.sources import catalogue, library, read
from ingest.themes import Theme, ThemeTagger, read_curated_yaml, split_ref
from musoya.settings import Settings

# Relation as written in the file (national side) → as read from the international side.
RELATIONS = {
    "met en œuvre": "mis en œuvre par",
    "en deçà de": "plus protecteur que",
    "même objet": "même objet",
}
NATIONAL = "Mali"
FIELDS = {"national", "international", "relation", "theme", "note", "reviewed"}


@dataclass(frozen=True)
class CrossRef:
    national: tuple[str, str]
    international: tuple[str, str]
    relation: str
    theme: str
    note: str = ""
    reviewed: bool = False

    def refs(self) -> tuple[str, str]:
        return ":".join(self.national), ":".join(self.international)


@dataclass(frozen=True)
class Link:
    """The other end of a cross-reference, as seen from the article one is reading."""

    instrument: str
    key: str
    relation: str  # worded from the asking side: "met en œuvre", "mis en œuvre par"…
    theme: str
    note: str
    reviewed: bool

    @property
    def ref(self) -> str:
        return f"{self.instrument}:{self.key}"


@dataclass
class GapRow:
    national: list[str]
    international: list[str]
    relation: str
    note: str


@dataclass
class GapTable:
    theme: str
    label: str
    rows: list[GapRow] = field(default_factory=list)
    missing: str = ""  # what national law on the theme the bundled corpus lacks

    def markdown(self, cite, escape=lambda text: text) -> str:
        """The side-by-side table, ready to paste into a brief; `cite` turns `instrument:key`
        into a reference (a link in the app), `escape` protects the curated text."""
        lines = ["| Loi malienne | Engagement international | Relation | Note |", "|---|---|---|---|"]
        for row in self.rows:
            cells = ["<br>".join(map(cite, row.national)), "<br>".join(map(cite, row.international)),
                     escape(row.relation), escape(row.note).replace("|", "\\|")]
            lines.append("| " + " | ".join(cells) + " |")
        if not self.rows:
            lines.append("| — | — | — | aucune correspondance vérifiée |")
        return "\n".join(lines)

    @property
    def shortfalls(self) -> list[GapRow]:
        return [row for row in self.rows if row.relation == "en deçà de"]


@dataclass(frozen=True)
class Suggestion:
    national: str
    international: str
    theme: str
    score: float
    shared: tuple[str, ...] = ()  # the most telling terms both articles share


class CrossRefs:
    def __init__(self, entries: list[CrossRef]):
        self.entries = list(entries)
        self._by_article: dict[tuple[str, str], list[Link]] = {}
        for e in self.entries:
            self._by_article.setdefault(e.national, []).append(
                Link(*e.international, e.relation, e.theme, e.note, e.reviewed))
            self._by_article.setdefault(e.international, []).append(
                Link(*e.national, RELATIONS.get(e.relation, e.relation), e.theme, e.note, e.reviewed))

    def __len__(self) -> int:
        return len(self.entries)

    def related(self, instrument: str, key: str) -> list[Link]:
        """Links of one article, from either side; reviewed ones first, file order otherwise."""
        links = self._by_article.get((instrument, key), [])
        return sorted(links, key=lambda link: not link.reviewed)

    def pairs(self) -> set[tuple[str, str]]:
        return {e.refs() for e in self.entries}

    def for_theme(self, theme_id: str, reviewed_only: bool = True) -> list[CrossRef]:
        return [e for e in self.entries if e.theme == theme_id and (e.reviewed or not reviewed_only)]

    def gaps(self, theme_id: str, themes: list[Theme]) -> GapTable:
        """Where Malian law stands against the standards on one theme (reviewed links only)."""
        theme = next((t for t in themes if t.id == theme_id), None)
        if theme is None:
            raise ValueError(f"thème inconnu : « {theme_id} »")
        table = GapTable(theme.id, theme.label, missing=theme.missing)
        order = {relation: n for n, relation in enumerate(["en deçà de", "met en œuvre", "même objet"])}
        for e in sorted(self.for_theme(theme_id), key=lambda e: order.get(e.relation, len(order))):
            national, international = e.refs()
            row = next((r for r in table.rows if r.national == [national] and r.relation == e.relation
                        and r.note == e.note), None)
            if row:
                row.international.append(international)
            else:
                table.rows.append(GapRow([national], [international], e.relation, e.note))
        return table


def load_crossrefs(path: Path) -> CrossRefs:
    """Read the file; a malformed entry is refused with its number and what is wrong.

    Whether ids, themes and relations are right is `validate`'s job: it needs the corpus.
    """
    path = Path(path)
    data = read_curated_yaml(path, "correspondances")
    if data is None:
        return CrossRefs([])
    if not isinstance(data, list):
        raise ValueError(f"{path.name} doit contenir une liste de correspondances (« - national: … »)")
    return CrossRefs([_entry(item, n, path.name) for n, item in enumerate(data, start=1)])


def _entry(item, number: int, name: str) -> CrossRef:
    where = f"{name}, correspondance n° {number}"
    if not isinstance(item, dict):
        raise ValueError(f"{where} : chaque correspondance doit être un ensemble de champs « clé: valeur »")
    unknown = sorted(set(map(str, item)) - FIELDS)
    if unknown:
        raise ValueError(f"{where} : champ inconnu « {unknown[0]} » (champs permis : {', '.join(sorted(FIELDS))})")
    for key in ("national", "international", "relation", "theme"):
        if not isinstance(item.get(key), str) or not item[key].strip():
            raise ValueError(f"{where} : le champ « {key} » est obligatoire (texte non vide)")
    if item.get("note") is not None and not isinstance(item["note"], str):
        raise ValueError(f"{where} : le champ « note » doit être un texte")
    if not isinstance(item.get("reviewed", False), bool):
        raise ValueError(f"{where} : le champ « reviewed » doit valoir true ou false")
    try:
        national, international = split_ref(item["national"]), split_ref(item["international"])
    except ValueError as exc:
        raise ValueError(f"{where} : {exc}") from None
    return CrossRef(national, international, " ".join(item["relation"].split()), item["theme"].strip(),
                    (item.get("note") or "").strip(), item.get("reviewed", False))


def _corpus(settings: Settings) -> tuple[dict[str, str], dict[tuple[str, str], object]]:
    """Jurisdiction of each instrument and every unit of the library, by (instrument, key)."""
    jurisdictions = {i.id: i.jurisdiction for i in catalogue(settings)}
    units = {}
    for source in library(settings):
        try:
            _, articles = read(source)
        except (ParseError, OSError):
            continue
        units.update({(a.instrument, a.key): a for a in articles})
    return jurisdictions, units


def validate(settings: Settings, themes: list[Theme], crossrefs: CrossRefs) -> list[str]:
    """Problems in the curated files, in French, for a curator; an empty list means all is well."""
    jurisdictions, units = _corpus(settings)
    theme_ids = {t.id for t in themes}
    problems = []

    def check_ref(ref: tuple[str, str], where: str) -> bool:
        instrument, key = ref
        if instrument not in jurisdictions:
            problems.append(f"{where} : texte inconnu « {instrument} »")
            return False
        if ref not in units:
            problems.append(f"{where} : l’article « {key} » n’existe pas dans « {instrument} »")
            return False
        return True

    for theme in themes:
        for ref in theme.article_refs():
            check_ref(ref, f"thème « {theme.id} »")
    for theme in themes:
        for heading in theme.headings:
            probe = ThemeTagger([Theme(theme.id, theme.label, headings=[heading])])
            if not any(probe.tag(i, k, u.hierarchy) for (i, k), u in units.items()):
                problems.append(f"thème « {theme.id} » : aucun titre du corpus ne contient « {heading} »")
    seen = set()
    for n, e in enumerate(crossrefs.entries, start=1):
        where = f"correspondance n° {n} ({':'.join(e.national)} ↔ {':'.join(e.international)})"
        if check_ref(e.national, where) and jurisdictions[e.national[0]] != NATIONAL:
            problems.append(f"{where} : « national » doit être un texte malien")
        if check_ref(e.international, where) and jurisdictions[e.international[0]] == NATIONAL:
            problems.append(f"{where} : « international » ne doit pas être un texte malien")
        if e.relation not in RELATIONS:
            problems.append(f"{where} : relation « {e.relation} » inconnue (permises : {', '.join(RELATIONS)})")
        if e.theme not in theme_ids:
            problems.append(f"{where} : thème inconnu « {e.theme} »")
        if e.reviewed and not e.note:
            problems.append(f"{where} : une correspondance vérifiée doit avoir une note")
        if e.refs() in seen:
            problems.append(f"{where} : correspondance en double")
        seen.add(e.refs())
    return problems


def suggest(settings: Settings, themes: list[Theme], crossrefs: CrossRefs, limit: int = 50,
            min_score: float = 0.05) -> list[Suggestion]:
    """Candidate links not in the file yet, best first, for a curator to review.

    A candidate pairs a Malian and an international article that share a theme; its score is
    the TF-IDF cosine of their texts (plus the curated plain-language descriptions) under
    the French analyser, so "mariage", "mariée" and "marier" count as one word.
    """
    jurisdictions, units = _corpus(settings)
    tagger = ThemeTagger(themes)
    members: dict[str, dict[bool, list[tuple[str, str]]]] = {}
    for (instrument, key), unit in units.items():
        if not unit.numbered:
            continue
        for theme_id in tagger.tag(instrument, key, unit.hierarchy):
            side = jurisdictions.get(instrument) == NATIONAL
            members.setdefault(theme_id, {True: [], False: []})[side].append((instrument, key))
    texts = {ref: f"{units[ref].text}\n{tagger.description(*ref)}"
             for theme in members.values() for refs in theme.values() for ref in refs}
    vectors = _tfidf({ref: analyze(text) for ref, text in texts.items()})
    known = crossrefs.pairs()
    best: dict[tuple[str, str], Suggestion] = {}
    for theme_id, sides in members.items():
        for national in sides[True]:
            for international in sides[False]:
                pair = (":".join(national), ":".join(international))
                if pair in known:
                    continue
                score, shared = _cosine(vectors[national], vectors[international])
                if score >= min_score and (pair not in best or score > best[pair].score):
                    best[pair] = Suggestion(pair[0], pair[1], theme_id, round(score, 4), shared)
    return sorted(best.values(), key=lambda s: (-s.score, s.national, s.international))[:limit]


def _tfidf(docs: dict) -> dict:
    df = Counter(term for terms in docs.values() for term in set(terms))
    n = len(docs)
    vectors = {}
    for ref, terms in docs.items():
        counts = Counter(terms)
        vec = {t: (1 + math.log(c)) * math.log((1 + n) / (1 + df[t])) for t, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        vectors[ref] = {t: v / norm for t, v in vec.items()}
    return vectors


def _cosine(a: dict, b: dict) -> tuple[float, tuple[str, ...]]:
    if len(a) > len(b):
        a, b = b, a
    products = {t: v * b[t] for t, v in a.items() if t in b}
    shared = tuple(t for t, _ in sorted(products.items(), key=lambda kv: -kv[1])[:5])
    return sum(products.values()), shared


SUGGESTED = "à vérifier"


def save_suggestions(path: Path, suggestions: list[Suggestion]) -> None:
    """Suggestions in the cross-reference format: a curator moves an entry into
    corpus/crossrefs.yaml, sets its relation and `reviewed: true`, and it becomes a link."""
    entries = [{"national": s.national, "international": s.international, "relation": SUGGESTED, "theme": s.theme,
                "note": f"suggestion automatique (score {s.score:.2f} ; mots communs : {', '.join(s.shared)})",
                "reviewed": False} for s in suggestions]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text("# Correspondances suggérées, à vérifier (produites par « musoya liens »).\n"
                   + yaml.safe_dump(entries, allow_unicode=True, sort_keys=False), encoding="utf-8")
    tmp.replace(path)


def combined(reviewed: CrossRefs, suggested_path: Path) -> CrossRefs:
    """The curated links, plus the saved suggestions (shown only as « voir aussi »)."""
    if not suggested_path.is_file():
        return reviewed
    suggested = [e for e in load_crossrefs(suggested_path).entries if not e.reviewed]
    known = reviewed.pairs()
    return CrossRefs([*reviewed.entries, *(e for e in suggested if e.refs() not in known)])


def ensure_suggestions(settings: Settings, limit: int = 200) -> None:
    """Writes the suggestions once, so the app can show « voir aussi » from the first start."""
    if settings.suggested_links.is_file() or not (settings.themes.is_file() and settings.crossrefs.is_file()):
        return
    from ingest.themes import load_themes

    themes = load_themes(settings.themes)
    save_suggestions(settings.suggested_links, suggest(settings, themes, load_crossrefs(settings.crossrefs), limit))
