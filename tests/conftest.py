"""Shared fixtures: a fast fake embedder for unit tests, the real model for integration ones."""

from __future__ import annotations

import hashlib
import shutil
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import ingest  # noqa: F401  (offline and no-telemetry settings, before Haystack loads)
from haystack import Document, component

from ingest.analyzer import fold
from musoya.settings import ROOT, Settings

CORPUS = ROOT / "corpus"
DIM = 384


def fake_vector(text: str) -> list[float]:
    """Bag of character trigrams hashed into 384 dimensions: similar words, similar vectors."""
    text = f"  {fold(text.lower())}  "
    vec = np.zeros(DIM, dtype=np.float32)
    for i in range(len(text) - 2):
        vec[int.from_bytes(hashlib.md5(text[i : i + 3].encode()).digest()[:4], "little") % DIM] += 1.0
    norm = np.linalg.norm(vec)
    return (vec / norm if norm else vec).tolist()


@component
class FakeDocumentEmbedder:
    def __init__(self, fail_after: int | None = None, delay: float = 0.0):
        self.fail_after = fail_after
        self.delay = delay  # seconds per batch, to leave time for a crash test to strike
        self.embedded = 0

    @component.output_types(documents=list[Document])
    def run(self, documents: list[Document]):
        if self.fail_after is not None and self.embedded >= self.fail_after:
            raise RuntimeError("panne simulée pendant le calcul des vecteurs")
        time.sleep(self.delay)
        self.embedded += len(documents)
        return {"documents": [replace(d, embedding=fake_vector(f"{d.meta['context']}\n{d.content}")) for d in documents]}


@component
class FakeTextEmbedder:
    @component.output_types(embedding=list[float])
    def run(self, text: str):
        return {"embedding": fake_vector(text)}


def make_settings(folder: Path) -> Settings:
    """Settings for an empty library under `folder` (nothing read from the environment)."""
    corpus = folder / "corpus"
    corpus.mkdir()
    return Settings(data_dir=folder / "data", corpus_dir=corpus, _env_file=None)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


def bundle(settings: Settings, *stems: str) -> None:
    """Copy some bundled instruments into the test library."""
    for stem in stems:
        shutil.copy(CORPUS / f"{stem}.md", settings.corpus_dir / f"{stem}.md")


@pytest.fixture(scope="session")
def real_model_path() -> str:
    """The converted multilingual-e5-small, built once under the git-ignored data folder."""
    from ingest.model import model_path

    return model_path(Settings(data_dir=ROOT / "data", _env_file=None), announce=lambda _: None)
