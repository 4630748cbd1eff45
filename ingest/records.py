"""The records everything else passes around: an instrument and its articles."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class Instrument:
    id: str
    title: str
    short_title: str
    jurisdiction: str = ""
    kind: str = ""
    adopted: str = ""
    reference: str = ""
    source: str = ""
    completeness: str = ""
    origin: str = "corpus"  # "corpus" (bundled) or "ajout" (added by a user)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Article:
    """One addressable unit of an instrument: a numbered article, a preamble, a signature…

    `article` is the number as printed (`327-12`, `2 bis`, `1` for `premier`), or a label
    for unnumbered units. `key` is unique within the instrument: the Code pénal prints some
    numbers twice, and the second one gets `#2`.
    """

    instrument: str
    article: str
    key: str
    text: str
    hierarchy: list[str] = field(default_factory=list)
    numbered: bool = True
    pages: list[int] = field(default_factory=list)
    position: int = 0
    qualifier: str = ""  # set only for a number printed twice: where this one stands

    def label(self) -> str:
        """How the unit is cited after the short title: `art. 327-12`, `préambule`…"""
        if not self.numbered:
            return self.article
        return f"art. {self.article} ({self.qualifier})" if self.qualifier else f"art. {self.article}"

    def to_dict(self) -> dict:
        return asdict(self)
