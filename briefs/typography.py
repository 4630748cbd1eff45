"""French typography for the product's text and the advocate's text (never for legal quotes).

A quote from the corpus stays byte-identical; everything else is typeset the French way:
’ apostrophes, « guillemets » with narrow no-break spaces, a narrow no-break space before
; : ! ?, an ellipsis character, dates written out (« 29 novembre 2026 »).
"""

from __future__ import annotations

import re
from datetime import date, datetime

NNBSP = "\u202f"  # espace fine insécable
NBSP = "\u00a0"
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")  # XML cannot hold these
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")


def clean(text: str) -> str:
    """Drops the control characters that XML (DOCX, PPTX) cannot hold; keeps line breaks and tabs."""
    return CONTROL.sub("", (text or "").replace("\r\n", "\n").replace("\r", "\n"))


def _guillemets(text: str) -> str:
    opened = False

    def swap(_match: re.Match) -> str:
        nonlocal opened
        opened = not opened
        return "«" if opened else "»"

    return re.sub('"', swap, text) if text.count('"') % 2 == 0 else text


def french(text: str) -> str:
    """Typesets a piece of the product's or the user's text; idempotent."""
    text = clean(text)
    text = re.sub(r"(?<=\w)'(?=\w)", "’", text)
    text = re.sub(r"\b([lLdDjJmMnNsStTcC]|qu|Qu|jusqu|lorsqu|puisqu)'", r"\1’", text)
    text = _guillemets(text)
    text = text.replace("...", "…")
    text = re.sub(r"«[ \u00a0\u202f]*", "«" + NNBSP, text)
    text = re.sub(r"[ \u00a0\u202f]*»", NNBSP + "»", text)
    text = re.sub(r"[ \u00a0]+([;!?])", NNBSP + r"\1", text)
    text = re.sub(r"[ \u00a0]+:(?=\s|$)", NNBSP + ":", text)
    text = re.sub(r"(?<=[\w)»])([;!?])(?=\s|$)", NNBSP + r"\1", text)
    text = re.sub(r"(?<=[a-zà-ÿ)»])(:)(?=\s|$)", NNBSP + r"\1", text)
    return text


def french_date(value: date | datetime | str | None = None) -> str:
    """« 29 novembre 2026 », « 1er mars 2027 »."""
    if value is None:
        value = date.today()
    elif isinstance(value, str):
        value = date.fromisoformat(value[:10])
    day = "1er" if value.day == 1 else str(value.day)
    return f"{day} {MONTHS[value.month - 1]} {value.year}"


def slug(text: str, limit: int = 60) -> str:
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:limit].strip("-") or "sans-titre"
