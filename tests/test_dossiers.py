"""Dossiers: CRUD, notes, order, drafts, and what survives crashes and concurrent writers."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from briefs.dossiers import DossierStore
from musoya.settings import ROOT


@pytest.fixture
def store(settings) -> DossierStore:
    return DossierStore(settings)


def test_create_rename_delete(store):
    store.create("Mariage d’enfants")
    store.create("Excision")
    assert store.names() == ["Excision", "Mariage d’enfants"]
    store.rename("Excision", "Mutilations génitales")
    assert store.names() == ["Mariage d’enfants", "Mutilations génitales"]
    store.delete("Mariage d’enfants")
    assert store.names() == ["Mutilations génitales"]


@pytest.mark.parametrize("name", ["", "   ", "\x00\x07"])
def test_empty_name_refused_in_french(store, name):
    with pytest.raises(ValueError, match="nom du dossier est vide"):
        store.create(name)


def test_duplicate_and_unknown_names(store):
    store.create("Excision")
    with pytest.raises(ValueError, match="existe déjà"):
        store.create("  excision ")  # same name, other case and spacing
    store.create("Héritage")
    with pytest.raises(ValueError, match="existe déjà"):
        store.rename("Héritage", "Excision")
    with pytest.raises(ValueError, match="Dossier inconnu"):
        store.delete("Inexistant")
    with pytest.raises(ValueError, match="Dossier inconnu"):
        store.add("Inexistant", "un-cde-1989", "1")


def test_articles_notes_order_and_idempotent_add(store):
    store.create("D")
    assert store.add("D", "mali-code-penal-2024", "327-12", "âge : 16 ans")
    assert store.add("D", "un-cde-1989", "1")
    assert store.add("D", "un-cedef-1979", "16")
    assert not store.add("D", "un-cde-1989", "1", "ignorée")  # already there: nothing changes
    assert [(e.instrument, e.key) for e in store.entries("D")] == [
        ("mali-code-penal-2024", "327-12"), ("un-cde-1989", "1"), ("un-cedef-1979", "16")]
    assert store.entries("D")[1].note == ""
    store.set_note("D", "un-cde-1989", "1", "majorité à 18 ans")
    store.move("D", "un-cedef-1979", "16", 0)
    entries = store.entries("D")
    assert [(e.key, e.position) for e in entries] == [("16", 0), ("327-12", 1), ("1", 2)]
    assert entries[2].note == "majorité à 18 ans"
    store.remove("D", "mali-code-penal-2024", "327-12")
    assert [(e.key, e.position) for e in store.entries("D")] == [("16", 0), ("1", 1)]
    with pytest.raises(ValueError, match="pas dans le dossier"):
        store.set_note("D", "mali-code-penal-2024", "327-12", "x")


def test_state_persists_across_store_instances(settings):
    first = DossierStore(settings)
    first.create("D")
    first.add("D", "un-cde-1989", "24", "pratiques traditionnelles")
    first.save_draft("D", "note", "note-courte", {"resume": "Texte tapé", "titre": "Ma note"})
    second = DossierStore(settings)
    assert second.entries("D")[0].note == "pratiques traditionnelles"
    draft = second.load_draft("D", "note")
    assert (draft.template, draft.fields) == ("note-courte", {"resume": "Texte tapé", "titre": "Ma note"})
    assert second.load_draft("D", "kit") is None
    second.save_draft("D", "note", "lettre", {"objet": "Demande"})
    assert first.load_draft("D", "note").fields == {"objet": "Demande"}
    assert (settings.data_dir / "dossiers.sqlite").is_file()


def test_deleting_a_dossier_removes_its_articles_and_drafts(store):
    store.create("D")
    store.add("D", "un-cde-1989", "1")
    store.save_draft("D", "kit", "kit", {"titre": "x"})
    store.delete("D")
    store.create("D")
    assert store.entries("D") == [] and store.load_draft("D", "kit") is None


WRITER = textwrap.dedent("""
    import sys
    sys.path.insert(0, {root!r})
    from pathlib import Path
    from briefs.dossiers import DossierStore
    store = DossierStore(path=Path({db!r}))
    store.create("D")
    i = 0
    while True:
        store.add("D", "inst", str(i), "n" * 2000)
        print(i, flush=True)
        i += 1
""")


def test_process_killed_mid_write_leaves_last_committed_state(tmp_path):
    db = tmp_path / "dossiers.sqlite"
    proc = subprocess.Popen([sys.executable, "-c", WRITER.format(root=str(ROOT), db=str(db))],
                            stdout=subprocess.PIPE, text=True)
    committed = -1
    deadline = time.time() + 60
    while committed < 40 and time.time() < deadline:
        line = proc.stdout.readline()
        if not line:
            break  # the writer died on its own: the assertion below says so
        committed = int(line.split()[0])
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert committed >= 40
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    keys = [int(e.key) for e in DossierStore(path=db).entries("D")]
    # Every add that reported success is there; at most the one in flight is also there.
    assert keys == list(range(len(keys)))
    assert committed + 1 <= len(keys) <= committed + 2


def test_concurrent_writers_lose_nothing(settings):
    store = DossierStore(settings)
    store.create("D")
    errors = []

    def writer(worker: int) -> None:
        own = DossierStore(settings)  # as each Streamlit session would
        try:
            for i in range(25):
                own.add("D", f"inst-{worker}", str(i))
                own.set_note("D", f"inst-{worker}", str(i), f"note {worker}-{i}")
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    entries = store.entries("D")
    assert len(entries) == 6 * 25
    assert sorted(e.position for e in entries) == list(range(150))
    assert all(e.note == f"note {e.instrument.split('-')[1]}-{e.key}" for e in entries)
