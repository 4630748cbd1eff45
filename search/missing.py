"""Questions the corpus cannot answer because the text that rules them is not in it.

No retrieval score tells "the corpus is silent" from "the corpus answers": a question on
inheritance shares finds articles about inheritance that do not give the shares. What the
corpus lacks is known, though (`corpus/SOURCES.md`): `corpus/hors-corpus.yaml` lists each
missing text with the subjects it rules and the names it is cited by, so the card can name
the text to consult instead of showing neighbours as if they answered.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ingest.markdown import fold
from ingest.themes import matches, phrase_patterns, question_terms, read_curated_yaml


@dataclass(frozen=True)
class MissingSubject:
    text_id: str
    title: str  # the missing text, as it is cited
    label: str  # the subject it rules, in plain words
    note: str = ""  # said instead of "the text is missing" when no law rules the subject
    names: tuple[str, ...] = ()  # folded: a library text whose title holds one of them is this text
    cited: bool = False  # the question names the text itself, whatever it asks of it

    def to_dict(self) -> dict:
        return {"text": self.text_id, "title": self.title, "subject": self.label}

    @property
    def message(self) -> str:
        if self.cited:
            return f"La question cite un texte qui n’est pas dans le corpus : {self.title}."
        if self.note:
            return f"Question sur {self.label} : {self.note}"
        return f"Question sur {self.label} : le texte qui la règle n’est pas dans le corpus — {self.title}."


class MissingTexts:
    def __init__(self, subjects: list[tuple[MissingSubject, list]]):
        self._subjects = subjects  # a text's subjects, then (after every subject) one per text for its names

    @property
    def subjects(self) -> list[MissingSubject]:
        return [subject for subject, _ in self._subjects]

    def match(self, question: str, library: list[str] = ()) -> list[MissingSubject]:
        """The missing subjects a question asks about, in file order, less those of a text the
        library now holds (`library`: its texts' titles, e.g. the family code a user added).

        A question that names a missing text (« selon le Code de la famille… ») is about that
        text even when it asks in words no subject lists."""
        terms = question_terms(question, keep_stop_words=True)
        if not terms:
            return []
        titles = [fold(title) for title in library]
        found = []
        for subject, patterns in self._subjects:
            if matches(terms, patterns) and not (subject.cited and any(s.text_id == subject.text_id for s in found)):
                found.append(subject)
        return [subject for subject in found if not any(name in title for name in subject.names for title in titles)]


def load_missing(path: Path) -> MissingTexts:
    """Read and check `hors-corpus.yaml`; a mistake names the entry and what is wrong."""
    path = Path(path)
    data = read_curated_yaml(path, "textes hors corpus")
    if not isinstance(data, list):
        raise ValueError(f"{path.name} doit contenir une liste de textes (« - id: … »)")
    subjects, cited = [], []
    for number, entry in enumerate(data, start=1):
        where = f"{path.name}, texte n° {number}"
        if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) and entry[k].strip()
                                                  for k in ("id", "title")):
            raise ValueError(f"{where} : les champs « id » et « title » sont obligatoires")
        spoken, titles = entry.get("names") or [], entry.get("titles") or []
        for field_name, values in (("names", spoken), ("titles", titles)):
            if not isinstance(values, list) or not all(isinstance(n, str) and n.strip() for n in values):
                raise ValueError(f"{where} (« {entry['id']} ») : « {field_name} » est une liste de noms non vides")
        names = tuple(fold(n.strip()) for n in [*spoken, *titles])
        if spoken:
            cited.append((MissingSubject(entry["id"], entry["title"].strip(), "", names=names, cited=True),
                          phrase_patterns(spoken, keep_stop_words=True)))
        for item in entry.get("subjects") or []:
            item = item if isinstance(item, dict) else {}
            vocabulary = item.get("vocabulary")
            if not isinstance(item.get("label"), str) or not isinstance(vocabulary, list) or not all(
                    isinstance(v, str) and v.strip() for v in vocabulary):
                raise ValueError(f"{where} (« {entry['id']} ») : chaque sujet a un « label » et une liste "
                                 "« vocabulary » de textes non vides")
            patterns = phrase_patterns(vocabulary, keep_stop_words=True)
            if len(patterns) != len(vocabulary):
                raise ValueError(f"{where} (« {entry['id']} ») : une entrée de « vocabulary » est vide")
            note = entry.get("note") if isinstance(entry.get("note"), str) else ""
            subjects.append((MissingSubject(entry["id"], entry["title"].strip(), item["label"].strip(), note.strip(),
                                            names), patterns))
    return MissingTexts(subjects + cited)
