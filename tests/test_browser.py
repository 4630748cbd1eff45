"""The app in a real browser (headless Chromium driven by Playwright), with the real model.

Starts `streamlit run app.py` on localhost over a small real index, asks a question, adds
an article to a dossier, reloads, writes a note, downloads an export, and visits every
page. Screenshots and timings go to data/artefacts/browser/ for a person to look at.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import CORPUS
from musoya.settings import ROOT

pytestmark = pytest.mark.integration
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTEFACTS = ROOT / "data" / "artefacts" / "browser"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run"]
INSTRUMENTS = ("un-cedef-1979", "un-cde-1989", "un-convention-supplementaire-esclavage-1956")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory, real_model_path):
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium est absent : ./run l’installe (apt-get install chromium) quand il est lancé en root.")
    folder = tmp_path_factory.mktemp("browser")
    corpus = folder / "corpus"
    corpus.mkdir()
    for stem in INSTRUMENTS:
        shutil.copy(CORPUS / f"{stem}.md", corpus / f"{stem}.md")
    models = folder / "data" / "models"
    models.parent.mkdir(parents=True)
    models.symlink_to(Path(real_model_path).parent)
    env = {**os.environ, "MUSOYA_DATA_DIR": str(folder / "data"), "MUSOYA_CORPUS_DIR": str(corpus)}
    musoya = [sys.executable, "-c", "from musoya.cli import main; main()"]
    subprocess.run([*musoya, "ingest"], env=env, check=True, capture_output=True, cwd=ROOT)
    subprocess.run([*musoya, "dossier", "create", "Atelier Mopti"], env=env, check=True, capture_output=True, cwd=ROOT)
    port = free_port()
    started = time.perf_counter()
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
         "--server.headless", "true"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://localhost:{port}"
    for _ in range(120):
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=1)
            break
        except OSError:
            time.sleep(0.5)
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    yield url, started
    server.terminate()
    server.wait(timeout=20)


@pytest.fixture(scope="module")
def page(app_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900}, locale="fr-FR")
        yield context.new_page()
        browser.close()


def shot(page, name: str) -> None:
    page.wait_for_timeout(500)
    page.screenshot(path=str(ARTEFACTS / f"{name}.png"), full_page=True)


def test_question_dossier_reload_note_export_and_every_page(app_url, page):
    url, started = app_url
    timings = {}
    page.goto(url)
    page.get_by_text("Votre question, en français courant").wait_for(timeout=60_000)
    timings["premier_ecran_s"] = round(time.perf_counter() - started, 1)
    shot(page, "1-accueil")

    asked = time.perf_counter()
    box = page.get_by_label("Votre question, en français courant")
    box.fill("Mon oncle veut marier ma petite sœur de 14 ans")
    box.press("Enter")
    page.get_by_role("button", name="Ajouter au dossier « Atelier Mopti »").first.wait_for(timeout=120_000)
    timings["premiere_reponse_s"] = round(time.perf_counter() - asked, 1)
    body = page.inner_text("body")
    assert "art." in body and ("CEDEF" in body or "CDE" in body or "Convention" in body)
    shot(page, "2-reponse")

    page.get_by_role("button", name="Ajouter au dossier « Atelier Mopti »").first.click()
    page.get_by_text("✓ Dans le dossier « Atelier Mopti »").first.wait_for(timeout=30_000)

    page.goto(f"{url}/?page=dossiers")  # a reload: a new session, the dossier comes from disk
    page.get_by_text("Dossier « Atelier Mopti »").wait_for(timeout=30_000)
    note = page.get_by_label("Ma note sur cet article").first
    note.fill("Citer devant le chef de village")
    note.press("Tab")
    page.wait_for_timeout(1500)
    page.reload()
    page.get_by_label("Ma note sur cet article").first.wait_for(timeout=30_000)
    assert page.get_by_label("Ma note sur cet article").first.input_value() == "Citer devant le chef de village"
    shot(page, "3-dossier")

    page.goto(f"{url}/?page=rediger")
    page.get_by_role("button", name="Préparer le document").wait_for(timeout=30_000)
    page.get_by_role("button", name="Préparer le document").click()
    download_button = page.get_by_role("button", name="Télécharger (Word (DOCX))")
    download_button.wait_for(timeout=60_000)
    with page.expect_download() as info:
        download_button.click()
    saved = ARTEFACTS / "note.docx"
    info.value.save_as(saved)
    from docx import Document

    text = "\n".join(p.text for p in Document(saved).paragraphs)
    assert "art." in text and "Citer devant le chef de village" in text
    shot(page, "4-rediger")

    for name, marker in (("parcourir&texte=un-cedef-1979&article=16", "Table des matières"),
                         ("comparer", "Couverture"), ("ajouter", "Ajouter et indexer")):
        page.goto(f"{url}/?page={name}")
        page.get_by_text(marker).first.wait_for(timeout=30_000)
        shot(page, f"5-{name.split('&')[0]}")
    assert "Traceback" not in page.inner_text("body")
    (ARTEFACTS / "timings.json").write_text(json.dumps(timings, indent=2) + "\n", encoding="utf-8")
