"""An ingest killed at any moment (power cut, closed laptop) never costs the index."""

import random
import subprocess
import sys
import time

from conftest import FakeDocumentEmbedder, bundle
from ingest.index import Index
from ingest.sources import library
from ingest.store import open_client
from musoya.settings import ROOT

SLOW_SYNC = """
import sys
sys.path.insert(0, {tests!r})
from pathlib import Path
from conftest import FakeDocumentEmbedder
from ingest.index import Index
from ingest.sources import library
from ingest.store import open_client
from musoya.settings import Settings
settings = Settings(data_dir=Path({data!r}), corpus_dir=Path({corpus!r}), _env_file=None)
client = open_client(settings)
Index(settings, client).sync(library(settings), lambda: FakeDocumentEmbedder(delay=0.6))
"""


def count(settings):
    client = open_client(settings)
    try:
        return Index(settings, client).serving(), client.count(settings.collection).count
    finally:
        client.close()


def test_killed_ingests_leave_the_previous_index_serving(settings):
    bundle(settings, "un-cedef-1979", "oit-c100-egalite-remuneration-1951")
    client = open_client(settings)
    Index(settings, client).sync(library(settings), FakeDocumentEmbedder)
    client.close()
    before = count(settings)
    bundle(settings, "mali-constitution-2023")
    script = SLOW_SYNC.format(tests=str(ROOT / "tests"), data=str(settings.data_dir), corpus=str(settings.corpus_dir))
    collections = settings.store_path / "collection"
    chance = random.Random(7)
    for _ in range(3):
        process = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT)
        deadline = time.monotonic() + 120
        while len(list(collections.iterdir())) < 2 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
        time.sleep(chance.uniform(0.0, 1.5))  # strike somewhere in the middle of embedding and writing
        assert process.poll() is None, "the slow ingest finished before it could be killed"
        process.kill()
        process.wait()
        assert count(settings) == before, "search still serves the previous complete index"
    client = open_client(settings)
    try:
        report = Index(settings, client).sync(library(settings), FakeDocumentEmbedder)  # a re-run finishes the job
        assert report.changed and set(Index(settings, client).indexed()) == {
            "un-cedef-1979", "oit-c100-egalite-remuneration-1951", "mali-constitution-2023"}
        assert [c.name for c in client.get_collections().collections] == [Index(settings, client).serving()]
    finally:
        client.close()
