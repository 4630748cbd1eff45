"""Composing notes de plaidoyer and workshop kits into the document model.

The free-text sections are the advocate's (draft fields); every quote comes from the
corpus through `Library.resolve`, never from what was typed. Empty sections get a French
default clearly marked « À compléter », so a brief can be exported right after the
articles are collected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from briefs.crosslinks import NATIONAL_SIDE, Crosslinks
from briefs.document import (
    PLACEHOLDER,
    Block,
    Bullets,
    Document,
    Paragraph,
    QuizQuestion,
    Quote,
    Section,
    Table,
)
from briefs.dossiers import DossierStore
from briefs.quiz import Quizmaker, QuizItem
from briefs.references import Cited, Library, Unresolved, describe
from briefs.typography import NNBSP, french, french_date
from musoya.settings import Settings

TEMPLATES = {
    "note-courte": "Note courte (une page)",
    "note-detaillee": "Note détaillée",
    "lettre": "Lettre à un décideur",
}
KIT_TEMPLATE = "kit"
EXCERPT_CHARS = 420
SHORT_EXCERPT_CHARS = 240  # the note courte holds on one page
SHORT_NOTE_ARTICLES = 5
SOURCE_LINE = ("Textes cités mot pour mot d’après le corpus Musoya (Journal officiel du Mali, "
               "Nations Unies, Union africaine, OIT)")


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    default: str = ""  # empty: the section shows « À compléter »
    multiline: bool = True


BRIEF_FIELDS = [
    Field("titre", "Titre", "", False),
    Field("destinataire", "Destinataire", "", False),
    Field("auteur", "Organisation signataire", "", False),
    Field("resume", "Résumé"),
    Field("contexte", "Contexte"),
    Field("ecarts", "Écarts constatés (votre analyse)"),
    Field("recommandations", "Recommandations (une par ligne)"),
]
LETTER_FIELDS = [
    Field("destinataire", "Destinataire (nom et fonction)", "", False),
    Field("lieu", "Lieu", "Bamako", False),
    Field("objet", "Objet", "", False),
    Field("appel", "Formule d’appel", "Madame, Monsieur,", False),
    Field("corps", "Corps de la lettre"),
    Field("recommandations", "Demandes (une par ligne)"),
    Field("formule", "Formule de politesse",
          "Nous vous prions d’agréer, Madame, Monsieur, l’expression de notre haute considération."),
    Field("signataire", "Signataire", "", False),
]
KIT_FIELDS = [
    Field("titre", "Titre de l’atelier", "", False),
    Field("public", "Public et durée", "", False),
    Field("objectifs", "Objectifs d’apprentissage (un par ligne)"),
    Field("etude_de_cas", "Étude de cas"),
    Field("questions", "Questions de discussion (une par ligne)"),
]


def fields_for(kind: str, template: str) -> list[Field]:
    """The editable fields of a template, for the app's form and the CLI."""
    if kind == KIT_TEMPLATE or template == KIT_TEMPLATE:
        return KIT_FIELDS
    return LETTER_FIELDS if template == "lettre" else BRIEF_FIELDS


def explanation_field(cited: Cited | tuple[str, str]) -> str:
    """Draft field holding the trainer's plain-words explanation of one article."""
    instrument, key = (cited.instrument, cited.key) if isinstance(cited, Cited) else cited
    return f"explication:{instrument}/{key}"


# the advocate's text → blocks


def user_blocks(text: str, placeholder: str) -> list[Block]:
    """Paragraphs and « - » bullet lists from typed text; a marked default when it is empty."""
    text = french(text or "").strip()
    if not text:
        return [Paragraph(f"{PLACEHOLDER} : {placeholder}", placeholder=True)]
    blocks: list[Block] = []
    for chunk in re.split(r"\n\s*\n", text):
        lines = [line.strip() for line in chunk.splitlines() if line.strip()]
        if lines and all(re.match(r"^[-•–*]\s+", line) for line in lines):
            blocks.append(Bullets([re.sub(r"^[-•–*]\s+", "", line) for line in lines]))
        elif lines:
            blocks.append(Paragraph(" ".join(lines)))
    return blocks


def user_list(text: str, placeholder: str, numbered: bool = False) -> list[Block]:
    """One item per line (a leading dash is optional)."""
    items = [re.sub(r"^[-•–*\d.)]*\s*", "", line).strip() for line in french(text or "").splitlines()]
    items = [item for item in items if item]
    if not items:
        return [Paragraph(f"{PLACEHOLDER} : {placeholder}", placeholder=True)]
    return [Bullets(items, numbered)]


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> tuple[str, bool]:
    """The start of an article, verbatim: whole paragraphs while they fit, else the first one
    cut after a sentence or clause; True when something was left out."""
    end = 0
    while True:
        nxt = text.find("\n\n", end + 2 if end else 0)
        stop = len(text) if nxt == -1 else nxt
        if stop > limit:
            break
        end = stop
        if nxt == -1:
            return text, False
    if end and not text[:end].rstrip().endswith(":"):
        return text[:end], True
    head = text[:limit]  # cut inside a paragraph; an introduction ending in « : » gets some of what follows
    floor = end + 2 + 30 if end else limit // 2
    for mark in (". ", "; ", ";\n", ": ", ", "):
        cut = head.rfind(mark)
        if cut >= floor:
            return text[: cut + 1], True
    if end:
        return text[:end], True
    cut = head.rfind(" ")
    return text[: cut if cut > 0 else limit], True


def quote(cited: Cited, brief: bool = True, comment: str = "", limit: int = EXCERPT_CHARS) -> Quote:
    if not brief:
        return Quote(cited.text, cited.citation, french(comment))
    text, cut = excerpt(cited.text, limit)
    return Quote(text, cited.citation + (" (extrait)" if cut else ""), french(comment), truncated=cut)


def typeset(doc: Document) -> Document:
    """French typography on the product's and the advocate's text; quotes, quiz stems and the
    answer key (verbatim words) are left as they are in the corpus."""
    doc.title, doc.subtitle = french(doc.title), french(doc.subtitle)
    doc.warnings = [french(w) for w in doc.warnings]
    for section in doc.sections:
        section.heading = french(section.heading)
        for block in section.blocks:
            if isinstance(block, Paragraph):
                block.text = french(block.text)
            elif isinstance(block, Bullets):
                block.items = [french(item) for item in block.items]
    return doc


# resolving a dossier


@dataclass
class Resolved:
    cited: list[Cited]
    missing: list[Unresolved]

    @property
    def national(self) -> list[Cited]:
        return [c for c in self.cited if c.national]

    @property
    def international(self) -> list[Cited]:
        return [c for c in self.cited if not c.national]


def resolve(library: Library, references: list[tuple[str, str, str]]) -> Resolved:
    cited, missing = [], []
    for instrument, key, note in references:
        found = library.resolve(instrument, key, note)
        (cited if isinstance(found, Cited) else missing).append(found)
    return Resolved(cited, missing)


def dossier_references(store: DossierStore, name: str) -> list[tuple[str, str, str]]:
    return [(e.instrument, e.key, e.note) for e in store.entries(name)]


# notes de plaidoyer


RELATION_PHRASES = {
    "en deçà de": "{n} est en deçà de {i}",
    "met en œuvre": "{n} met en œuvre {i}",
    "même objet": "{n} et {i} ont le même objet",
}


def gap_blocks(settings: Settings, library: Library, resolved: Resolved, typed: str) -> list[Block]:
    """The advocate's analysis, then what the curated cross-references say about the dossier:
    shortfalls first, other correspondences, treaty articles with no Malian counterpart, and
    the national texts the corpus lacks on the themes concerned."""
    blocks: list[Block] = user_blocks(typed, "") if typed.strip() else []
    links = Crosslinks(settings)
    if not links.available:
        return blocks or [Paragraph(f"{PLACEHOLDER} : la table des correspondances entre textes nationaux et "
                                    "internationaux n’est pas disponible ; décrivez ici les écarts constatés.",
                                    placeholder=True)]
    shortfalls, others, unmatched, themes = [], [], [], []
    collected = {(c.instrument, c.key) for c in resolved.cited}
    seen: set[frozenset] = set()
    for cited in resolved.cited:
        related = links.related(cited.instrument, cited.key)
        national_links = 0
        for link in related:
            if link.theme and link.theme not in themes:
                themes.append(link.theme)
            other = library.resolve(link.instrument, link.key)
            if not isinstance(other, Cited):
                continue
            national_links += other.national
            pair = frozenset({(cited.instrument, cited.key), (other.instrument, other.key)})
            if pair in seen or cited.national == other.national:
                continue
            seen.add(pair)
            national, international = (cited, other) if cited.national else (other, cited)
            relation = link.relation if cited.national else NATIONAL_SIDE.get(link.relation, link.relation)
            phrase = RELATION_PHRASES.get(relation, "{n} — " + relation + " — {i}")
            line = phrase.format(n=national.citation, i=international.citation)
            if link.note:
                line += f"{NNBSP}: {french(link.note).rstrip('.')}."
            if not link.reviewed:
                line += " (correspondance non vérifiée)"
            if relation == "en deçà de":
                shortfalls.append(line)  # a shortfall is worth knowing even if the other article is not collected
            elif (other.instrument, other.key) in collected:
                others.append(line)
        if not cited.national and not national_links:
            unmatched.append(f"{cited.citation} : aucune disposition malienne correspondante n’est recensée "
                             "dans le corpus.")
    if shortfalls:
        blocks += [Paragraph("Là où le droit malien protège moins que les engagements du Mali :"), Bullets(shortfalls)]
    if others:
        blocks += [Paragraph("Autres correspondances entre les articles du dossier :"), Bullets(others)]
    if unmatched:
        blocks += [Paragraph("Engagements sans texte malien correspondant dans le corpus :"), Bullets(unmatched)]
    absent = [f"{links.theme_label(t)} : {french(links.missing(t))}" for t in themes if links.missing(t)]
    if absent:
        blocks += [Paragraph("Textes absents du corpus fourni :"), Bullets(absent)]
    return blocks or [Paragraph(f"{PLACEHOLDER} : aucune correspondance n’est recensée pour ces articles ; "
                                "décrivez ici les écarts constatés.", placeholder=True)]


def _value(fields: dict[str, str], name: str, template: str) -> str:
    spec = next((f for f in fields_for("note", template) if f.name == name), None)
    typed = (fields or {}).get(name, "")
    return typed if typed.strip() else (spec.default if spec else "")


def compose_brief(settings: Settings, references: list[tuple[str, str, str]], template: str = "note-detaillee",
                  fields: dict[str, str] | None = None, title: str = "", today: date | None = None,
                  library: Library | None = None) -> Document:
    """A note de plaidoyer (or a letter) from references (instrument, key, note)."""
    if template not in TEMPLATES:
        raise ValueError(f"Modèle inconnu : « {template} » (choix : {', '.join(TEMPLATES)}).")
    fields = dict(fields or {})
    library = library or Library(settings)
    resolved = resolve(library, references)
    typed_title = french(fields.get("titre", "")).strip()
    doc = Document(kind="note", title=typed_title or french(title) or "Note de plaidoyer",
                   date=french_date(today), source=SOURCE_LINE)
    if resolved.missing:
        doc.warnings.append(describe(resolved.missing))
    addressee = french(_value(fields, "destinataire", template)).strip()
    if template == "lettre":
        _letter(doc, fields, resolved, addressee)
    else:
        doc.subtitle = ("Note de plaidoyer" + (f" à l’attention de {addressee}" if addressee else "")
                        + (f" — {french(fields['auteur']).strip()}" if fields.get("auteur", "").strip() else ""))
        if template == "note-courte":
            _short(doc, fields, resolved)
        else:
            _detailed(doc, settings, library, fields, resolved)
    if resolved.missing:
        doc.sections.append(Section("Références introuvables", [Bullets(
            [f"{m.instrument}, art. {m.key} : {m.reason}." for m in resolved.missing])]))
    doc.annex = [quote(c, brief=False) for c in resolved.cited]
    return typeset(doc)


def _no_article(kind: str) -> list[Block]:
    return [Paragraph(f"{PLACEHOLDER} : aucun {kind} dans le dossier.", placeholder=True)]


def _short(doc: Document, fields: dict, resolved: Resolved) -> None:
    key = resolved.cited[:SHORT_NOTE_ARTICLES]
    articles: list[Block] = [quote(c, comment=c.note, limit=SHORT_EXCERPT_CHARS) for c in key] or _no_article("article")
    if len(resolved.cited) > len(key):
        articles.append(Paragraph(f"Les {len(resolved.cited) - len(key)} autres textes du dossier sont cités en annexe."))
    doc.sections = [
        Section("Résumé", user_blocks(fields.get("resume", ""), "l’essentiel de la demande en trois ou quatre phrases")),
        Section("Articles clés", articles),
        Section("Recommandations", user_list(fields.get("recommandations", ""), "les mesures demandées, une par ligne", True)),
    ]


def _detailed(doc: Document, settings: Settings, library: Library, fields: dict, resolved: Resolved) -> None:
    doc.sections = [
        Section("Résumé", user_blocks(fields.get("resume", ""), "l’essentiel de la demande en trois ou quatre phrases")),
        Section("Contexte", user_blocks(fields.get("contexte", ""), "la situation constatée sur le terrain, "
                                                                     "les chiffres et les cas connus")),
        Section("Cadre juridique national",
                [quote(c, comment=c.note) for c in resolved.national] or _no_article("texte malien")),
        Section("Engagements internationaux du Mali",
                [quote(c, comment=c.note) for c in resolved.international] or _no_article("texte international")),
        Section("Écarts", gap_blocks(settings, library, resolved, fields.get("ecarts", ""))),
        Section("Recommandations", user_list(fields.get("recommandations", ""), "les mesures demandées, une par ligne", True)),
    ]


def _letter(doc: Document, fields: dict, resolved: Resolved, addressee: str) -> None:
    def value(name: str) -> str:
        return _value(fields, name, "lettre")

    author = french(value("signataire")).strip()
    place = french(value("lieu")).strip()
    doc.subtitle = f"{place}, le {doc.date}" if place else doc.date
    heading = [Paragraph(f"À l’attention de {addressee}" if addressee else
                         f"{PLACEHOLDER} : nom et fonction du destinataire", placeholder=not addressee)]
    subject = french(value("objet")).strip()
    heading.append(Paragraph(f"Objet : {subject}" if subject else f"Objet : {PLACEHOLDER}", placeholder=not subject))
    body: list[Block] = [Paragraph(french(value("appel")).strip() or "Madame, Monsieur,")]
    body += user_blocks(value("corps"), "l’objet de la demande, la situation constatée et ce que vous attendez")
    if resolved.cited:
        body.append(Paragraph("Notre demande se fonde sur les textes suivants, en vigueur ou ratifiés par le Mali :"))
        body += [quote(c, comment=c.note) for c in resolved.cited]
    demands = value("recommandations")
    if demands.strip():
        body.append(Paragraph("Nous vous demandons en conséquence :"))
        body += user_list(demands, "")
    body.append(Paragraph(french(value("formule")).strip()))
    body.append(Paragraph(author or f"{PLACEHOLDER} : nom, fonction et organisation du signataire",
                          placeholder=not author))
    doc.sections = [Section("", heading, slides=False), Section("", body)]  # a letter has no headings


def compose_dossier_brief(settings: Settings, name: str, template: str | None = None,
                          fields: dict[str, str] | None = None, store: DossierStore | None = None,
                          today: date | None = None) -> Document:
    """A brief from a saved dossier, with its saved draft unless fields are given."""
    store = store or DossierStore(settings)
    draft = store.load_draft(name, "note")
    template = template or (draft.template if draft else "note-detaillee")
    if fields is None:
        fields = draft.fields if draft else {}
    return compose_brief(settings, dossier_references(store, name), template, fields, title=name, today=today)


# workshop kits


def quiz_blocks(items: list[QuizItem]) -> tuple[list[Block], Table]:
    questions: list[Block] = [
        QuizQuestion(number, item.prompt, item.choices, item.citation) for number, item in enumerate(items, 1)]
    key = Table(["N°", "Réponse", "Référence"], [[str(n), item.answer, item.citation]
                                                   for n, item in enumerate(items, 1)])
    return questions, key


def compose_kit(settings: Settings, references: list[tuple[str, str, str]], fields: dict[str, str] | None = None,
                title: str = "", seed: int = 0, today: date | None = None,
                library: Library | None = None) -> tuple[Document, list[QuizItem]]:
    """A workshop kit: objectives, key articles verbatim with plain-words explanations, a case, a quiz."""
    fields = dict(fields or {})
    library = library or Library(settings)
    resolved = resolve(library, references)
    doc = Document(kind="kit", title=french(fields.get("titre", "")).strip() or french(title) or "Kit d’atelier",
                   subtitle="Kit d’atelier" + (f" — {french(fields['public']).strip()}"
                                               if fields.get("public", "").strip() else ""),
                   date=french_date(today), source=SOURCE_LINE, annex_heading="Annexe : textes complets")
    if resolved.missing:
        doc.warnings.append(describe(resolved.missing))
    articles: list[Block] = []
    for cited in resolved.cited:
        articles.append(quote(cited, brief=False))
        articles += user_blocks(fields.get(explanation_field(cited), ""),
                                "explication en mots simples de cet article, écrite par la formatrice")
    items = Quizmaker(library).quiz(resolved.cited, seed=seed)
    questions, key = quiz_blocks(items)
    doc.sections = [
        Section("Objectifs d’apprentissage", user_list(fields.get("objectifs", ""),
                                                      "ce que les participantes sauront faire à la fin")),
        Section("Articles clés et explication en mots simples", articles or _no_article("article")),
        Section("Étude de cas", user_blocks(fields.get("etude_de_cas", ""),
                                            "une situation proche du vécu des participantes")),
        Section("Questions de discussion", user_list(fields.get("questions", ""), "trois ou quatre questions", True)),
        Section("Quiz", questions or [Paragraph("Aucune question n’a pu être tirée de ces articles.")]),
        Section("Corrigé du quiz", [key] if items else [Paragraph("Pas de quiz.")]),
    ]
    if resolved.missing:
        doc.sections.append(Section("Références introuvables", [Bullets(
            [f"{m.instrument}, art. {m.key} : {m.reason}." for m in resolved.missing])], slides=False))
    return typeset(doc), items


def compose_dossier_kit(settings: Settings, name: str, fields: dict[str, str] | None = None,
                        store: DossierStore | None = None, seed: int = 0,
                        today: date | None = None) -> tuple[Document, list[QuizItem]]:
    store = store or DossierStore(settings)
    if fields is None:
        draft = store.load_draft(name, KIT_TEMPLATE)
        fields = draft.fields if draft else {}
    return compose_kit(settings, dossier_references(store, name), fields, title=name, seed=seed, today=today)
