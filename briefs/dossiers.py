"""Dossiers: the articles an advocate collected, with her notes, and the drafts made from them.

Kept in one SQLite file under the data folder. Every change is one transaction in WAL
mode, so a killed process leaves the last committed state, and readers never block the
writer. A connection is opened per call: the Streamlit sessions (threads) and a CLI run
in another process can all use the same file safely.
"""

from __future__ import annotations

import json
import re
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from musoya.settings import Settings

MAX_NAME_CHARS = 120
BUSY_TIMEOUT_MS = 10_000
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

SCHEMA = """
CREATE TABLE IF NOT EXISTS dossiers (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS entries (
    dossier_id INTEGER NOT NULL REFERENCES dossiers(id) ON DELETE CASCADE,
    instrument TEXT NOT NULL,
    key TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    added_at TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (dossier_id, instrument, key)
);
CREATE TABLE IF NOT EXISTS drafts (
    dossier_id INTEGER NOT NULL REFERENCES dossiers(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    template TEXT NOT NULL,
    fields TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (dossier_id, kind)
);
"""


@dataclass(frozen=True)
class Entry:
    instrument: str
    key: str
    note: str
    added_at: str
    position: int


@dataclass
class Draft:
    kind: str  # "note" (note de plaidoyer) or "kit"
    template: str
    fields: dict[str, str] = field(default_factory=dict)
    updated_at: str = ""


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def clean_name(name: str) -> str:
    name = " ".join(CONTROL.sub(" ", name or "").split())
    if not name:
        raise ValueError("Le nom du dossier est vide : donnez-lui un nom, par exemple « Mariage d’enfants ».")
    if len(name) > MAX_NAME_CHARS:
        raise ValueError(f"Le nom du dossier est trop long ({len(name)} caractères, {MAX_NAME_CHARS} au plus).")
    return name


def _reference(instrument: str, key: str) -> tuple[str, str]:
    instrument, key = (instrument or "").strip(), (key or "").strip()
    if not instrument or not key:
        raise ValueError("Référence incomplète : il faut l’identifiant du texte et le numéro de l’article.")
    return instrument, key


class DossierStore:
    def __init__(self, settings: Settings | None = None, path: Path | None = None):
        if path is None:
            if settings is None:
                raise ValueError("DossierStore needs settings or a path")
            path = settings.data_dir / "dossiers.sqlite"
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA journal_mode = WAL")  # kept by the file: readers never block the writer
            conn.executescript(SCHEMA)  # idempotent, and committed as a whole
        finally:
            conn.close()

    @contextmanager
    def _connect(self, write: bool = False):
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            conn.close()

    @staticmethod
    def _id(conn: sqlite3.Connection, name: str) -> int:
        row = conn.execute("SELECT id FROM dossiers WHERE name = ?", (clean_name(name),)).fetchone()
        if row is None:
            raise ValueError(f"Dossier inconnu : « {clean_name(name)} ».")
        return row[0]

    # dossiers

    def names(self) -> list[str]:
        with self._connect() as conn:
            return [r[0] for r in conn.execute("SELECT name FROM dossiers ORDER BY name COLLATE NOCASE")]

    def exists(self, name: str) -> bool:
        with self._connect() as conn:
            return conn.execute("SELECT 1 FROM dossiers WHERE name = ?", (clean_name(name),)).fetchone() is not None

    def create(self, name: str) -> str:
        name = clean_name(name)
        with self._connect(write=True) as conn:
            try:
                conn.execute("INSERT INTO dossiers (name, created_at) VALUES (?, ?)", (name, _now()))
            except sqlite3.IntegrityError:
                raise ValueError(f"Un dossier nommé « {name} » existe déjà.") from None
        return name

    def rename(self, old: str, new: str) -> str:
        new = clean_name(new)
        with self._connect(write=True) as conn:
            dossier = self._id(conn, old)
            try:
                conn.execute("UPDATE dossiers SET name = ? WHERE id = ?", (new, dossier))
            except sqlite3.IntegrityError:
                raise ValueError(f"Un dossier nommé « {new} » existe déjà.") from None
        return new

    def delete(self, name: str) -> None:
        with self._connect(write=True) as conn:
            conn.execute("DELETE FROM dossiers WHERE id = ?", (self._id(conn, name),))

    # articles

    def add(self, name: str, instrument: str, key: str, note: str = "") -> bool:
        """Adds a reference at the end; returns False (and changes nothing) if it is already there."""
        instrument, key = _reference(instrument, key)
        with self._connect(write=True) as conn:
            dossier = self._id(conn, name)
            if conn.execute("SELECT 1 FROM entries WHERE dossier_id = ? AND instrument = ? AND key = ?",
                            (dossier, instrument, key)).fetchone():
                return False
            (last,) = conn.execute("SELECT COALESCE(MAX(position), -1) FROM entries WHERE dossier_id = ?",
                                   (dossier,)).fetchone()
            conn.execute("INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?)",
                         (dossier, instrument, key, note or "", _now(), last + 1))
            return True

    def remove(self, name: str, instrument: str, key: str) -> None:
        with self._connect(write=True) as conn:
            dossier = self._id(conn, name)
            self._entry_must_exist(conn, dossier, instrument, key)
            conn.execute("DELETE FROM entries WHERE dossier_id = ? AND instrument = ? AND key = ?",
                         (dossier, instrument, key))
            self._renumber(conn, dossier)

    def set_note(self, name: str, instrument: str, key: str, note: str) -> None:
        with self._connect(write=True) as conn:
            dossier = self._id(conn, name)
            self._entry_must_exist(conn, dossier, instrument, key)
            conn.execute("UPDATE entries SET note = ? WHERE dossier_id = ? AND instrument = ? AND key = ?",
                         (note or "", dossier, instrument, key))

    def move(self, name: str, instrument: str, key: str, position: int) -> None:
        """Puts an article at `position` (0 = first); the others keep their relative order."""
        with self._connect(write=True) as conn:
            dossier = self._id(conn, name)
            self._entry_must_exist(conn, dossier, instrument, key)
            order = [tuple(r) for r in conn.execute(
                "SELECT instrument, key FROM entries WHERE dossier_id = ? ORDER BY position", (dossier,))]
            order.remove((instrument, key))
            order.insert(max(0, min(position, len(order))), (instrument, key))
            self._renumber(conn, dossier, order)

    def entries(self, name: str) -> list[Entry]:
        with self._connect() as conn:
            dossier = self._id(conn, name)
            rows = conn.execute("SELECT instrument, key, note, added_at, position FROM entries "
                                "WHERE dossier_id = ? ORDER BY position", (dossier,)).fetchall()
        return [Entry(*row) for row in rows]

    @staticmethod
    def _entry_must_exist(conn, dossier: int, instrument: str, key: str) -> None:
        if not conn.execute("SELECT 1 FROM entries WHERE dossier_id = ? AND instrument = ? AND key = ?",
                            (dossier, instrument, key)).fetchone():
            raise ValueError(f"Cet article n’est pas dans le dossier : {instrument}, art. {key}.")

    @staticmethod
    def _renumber(conn, dossier: int, order: list[tuple[str, str]] | None = None) -> None:
        if order is None:
            order = [tuple(r) for r in conn.execute(
                "SELECT instrument, key FROM entries WHERE dossier_id = ? ORDER BY position", (dossier,))]
        for position, (instrument, key) in enumerate(order):
            conn.execute("UPDATE entries SET position = ? WHERE dossier_id = ? AND instrument = ? AND key = ?",
                         (position, dossier, instrument, key))

    # drafts

    def save_draft(self, name: str, kind: str, template: str, fields: dict[str, str]) -> None:
        """Keeps the editable sections of a brief or a kit, so nothing typed is lost."""
        payload = json.dumps({str(k): str(v) for k, v in (fields or {}).items()}, ensure_ascii=False)
        with self._connect(write=True) as conn:
            dossier = self._id(conn, name)
            conn.execute("INSERT INTO drafts VALUES (?, ?, ?, ?, ?) ON CONFLICT (dossier_id, kind) DO UPDATE "
                         "SET template = excluded.template, fields = excluded.fields, updated_at = excluded.updated_at",
                         (dossier, kind, template, payload, _now()))

    def load_draft(self, name: str, kind: str) -> Draft | None:
        with self._connect() as conn:
            dossier = self._id(conn, name)
            row = conn.execute("SELECT template, fields, updated_at FROM drafts WHERE dossier_id = ? AND kind = ?",
                               (dossier, kind)).fetchone()
        if row is None:
            return None
        return Draft(kind=kind, template=row[0], fields=json.loads(row[1]), updated_at=row[2])
