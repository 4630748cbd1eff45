"""Shared fixtures: a fast fake embedder for unit tests, the real model for integration ones."""

from __future__ import annotations

import hashlib
import json
import shutil
import threading
import time
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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


# --- A fake OpenAI-compatible chat endpoint on 127.0.0.1 (the optional explanation) ---

class FakeOpenAI(BaseHTTPRequestHandler):
    """POST /v1/chat/completions → the canned reply (or status) of its server; requests are recorded."""

    def do_POST(self):  # http.server's name
        server = self.server
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        server.requests.append({"path": self.path, "body": body, "auth": self.headers.get("Authorization")})
        time.sleep(server.delay)
        if self.path != "/v1/chat/completions":
            self._send(404, {"error": {"message": "not found"}})
        elif server.status != 200:
            self._send(server.status, {"error": {"message": "panne", "type": "server_error"}})
        else:
            self._send(200, {
                "id": "chatcmpl-1", "object": "chat.completion", "created": 1700000000, "model": body.get("model"),
                "choices": [{"index": 0, "message": {"role": "assistant", "content": server.reply},
                             "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20}})

    def _send(self, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:  # the client gave up (timeout test)
            pass

    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def llm_server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), FakeOpenAI)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def fake_llm(llm_server, monkeypatch):
    """The fake endpoint, emptied, reached without any proxy; set `reply` (or `status`, `delay`)."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    llm_server.requests, llm_server.reply, llm_server.status, llm_server.delay = [], "", 200, 0.0
    return llm_server
