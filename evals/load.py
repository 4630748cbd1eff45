"""Load test on one office laptop: many colleagues searching at once, two editing dossiers.

    MUSOYA_DATA_DIR=/tmp/x/data python -m evals.load [--clients 20] [--per-client 4] [--sessions 20]

Loopback only, bounded (a few minutes). Needs an index in MUSOYA_DATA_DIR (`musoya ingest`).

1. The search layer as the app uses it: one shared answerer (searcher, model, Qdrant client)
   in one process, `--clients` threads asking real questions (evals/gold.yaml, BSARD), while
   two threads edit dossiers in the SQLite store. Every concurrent answer is checked
   against the same question asked alone afterwards: threads must not mix their results.
2. The running Streamlit app (`streamlit run app.py` on a free loopback port): `--sessions`
   concurrent websocket sessions, each opening a shared search link (`?q=…`) as a browser
   does, timed until the page has finished running; an exception shown on a page is an error.

Writes evals/results/load.json and load.md: errors, p50/p95 latency, throughput, peak memory.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import random
import resource
import socket
import subprocess
import sys
import threading
import time
import traceback
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlencode

import yaml

from musoya.settings import ROOT, get_settings

RESULTS = ROOT / "evals" / "results"
BSARD = ROOT.parent / "shared" / "datasets" / "bsard" / "questions_fr_test.csv"


def questions() -> list[str]:
    """Real questions: the gold set's, then Belgian citizens' (BSARD), shuffled once, no repeats."""
    gold = [item["question"] for item in yaml.safe_load((ROOT / "evals" / "gold.yaml").read_text(encoding="utf-8"))]
    bsard = []
    if BSARD.exists():
        with BSARD.open(encoding="utf-8") as handle:
            bsard = [row["question"] for row in csv.DictReader(handle)]
    mixed = list(dict.fromkeys(gold + bsard))
    random.Random(11).shuffle(mixed)
    return mixed


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else float("nan")


def summary(latencies_ms: list[float], seconds: float, errors: list[str]) -> dict:
    return {
        "requests": len(latencies_ms) + len(errors),
        "errors": len(errors),
        "error_samples": errors[:5],
        "p50_ms": round(percentile(latencies_ms, 0.50), 1),
        "p95_ms": round(percentile(latencies_ms, 0.95), 1),
        "max_ms": round(max(latencies_ms, default=float("nan")), 1),
        "wall_s": round(seconds, 1),
        "throughput_per_s": round(len(latencies_ms) / seconds, 2) if seconds else 0.0,
    }


def peak_rss_mb(pid: int | str = "self") -> float:
    """Peak resident memory of a process (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


# --- 1. the search layer, threads in one process ---------------------------------------------


def dossier_editor(store, name: str, keys: list[tuple[str, str]], stop: threading.Event, out: dict) -> None:
    """What an advocate does while others search: create, add, annotate, reorder, remove."""
    latencies, errors = out.setdefault("latencies", []), out.setdefault("errors", [])

    def timed(action, *args):
        started = time.perf_counter()
        try:
            action(*args)
        except Exception as exc:  # noqa: BLE001 - every failure is counted, none stops the run
            errors.append(f"{action.__name__}: {exc.__class__.__name__}: {exc}")
        else:
            latencies.append((time.perf_counter() - started) * 1000)

    timed(store.create, name)
    chance = random.Random(name)
    rounds = 0
    while not stop.is_set() or rounds < 3:
        instrument, key = chance.choice(keys)
        timed(store.add, name, instrument, key, f"note « {rounds} » d’essai ; à relire")
        timed(store.set_note, name, instrument, key, f"note revue {rounds}")
        present = store.entries(name)
        if len(present) > 1:
            timed(store.move, name, present[-1].instrument, present[-1].key, 0)
        if len(present) > 6:
            timed(store.remove, name, present[0].instrument, present[0].key)
        rounds += 1
        time.sleep(0.05)
    out["final_entries"] = len(store.entries(name))
    out["rounds"] = rounds


def load_search_layer(settings, asked: list[str], clients: int) -> dict:
    from briefs.dossiers import DossierStore
    from ingest.sources import catalogue
    from ingest.store import open_client
    from search import query_cache
    from search.answer import open_answerer

    client = open_client(settings)
    try:
        answerer = open_answerer(settings, client, announce=lambda _: None)
        started = time.perf_counter()
        answerer.ask("mariage forcé")  # what the first colleague pays: model loaded, pipelines built
        cold_ms = (time.perf_counter() - started) * 1000
        keys = [(h.instrument, h.key) for h in answerer.searcher.search("égalité entre les femmes et les hommes").hits]

        results: dict[str, list[tuple[str, str]]] = {}
        latencies, errors = [], []
        lock = threading.Lock()

        def ask(question: str) -> None:
            t0 = time.perf_counter()
            try:
                card = answerer.ask(question)
            except Exception as exc:  # noqa: BLE001
                with lock:
                    errors.append(f"{exc.__class__.__name__}: {exc}"[:300])
                return
            elapsed = (time.perf_counter() - t0) * 1000
            with lock:
                latencies.append(elapsed)
                results[question] = [(a.hit.instrument, a.hit.key) for a in card.articles]

        store = DossierStore(settings)
        editors = [{}, {}]
        stop = threading.Event()
        run = int(time.time())
        threads = [threading.Thread(target=dossier_editor, args=(store, f"Essai de charge {n + 1} ({run})", keys, stop, out))
                   for n, out in enumerate(editors)]
        for thread in threads:
            thread.start()
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=clients) as pool:
            list(pool.map(ask, asked))
        wall = time.perf_counter() - started
        stop.set()
        for thread in threads:
            thread.join()

        # The same questions, one at a time and with fresh embeddings: same articles expected.
        query_cache._cache.clear()
        mismatches = []
        for question in list(results)[:40]:
            alone = [(a.hit.instrument, a.hit.key) for a in answerer.ask(question).articles]
            if alone != results[question]:
                mismatches.append(question)
        dossier_latencies = [x for out in editors for x in out.get("latencies", [])]
        dossier_errors = [x for out in editors for x in out.get("errors", [])]
        expected = [min(out.get("rounds", 0), 7) for out in editors]
        final = [out.get("final_entries") for out in editors]
        return {
            "clients": clients,
            "index": {"instruments": [i.id for i in catalogue(settings)],
                      "points": client.count(settings.collection).count},
            "cold_first_question_ms": round(cold_ms, 1),
            "search": summary(latencies, wall, errors),
            "cross_talk_checked": min(len(results), 40),
            "cross_talk_mismatches": mismatches,
            "dossiers": {"editors": 2, **summary(dossier_latencies, wall, dossier_errors),
                         "final_entries": final, "rounds": [out.get("rounds") for out in editors],
                         "consistent": all(f is not None and 1 <= f <= 7 for f in final), "max_expected": expected},
            "peak_rss_mb": peak_rss_mb(),
        }
    finally:
        client.close()


# --- 2. the running Streamlit app, websocket sessions ----------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_app(port: int) -> subprocess.Popen:
    command = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
               "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
               "--server.fileWatcherType", "none"]  # edits elsewhere in the checkout must not reload it
    log = open(Path(get_settings().data_dir) / "load-app.log", "w")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=os.environ.copy())
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    return process
        except OSError:
            time.sleep(0.5)
    process.kill()
    raise RuntimeError("l’application ne répond pas sur /_stcore/health")


async def session(port: int, query: str, timeout: float = 300) -> dict:
    """One browser tab opening a shared search link: connect, run the page, wait for the end."""
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    message = BackMsg()
    message.rerun_script.query_string = urlencode({"q": query})
    message.rerun_script.page_script_hash = ""
    texts, exceptions = [], []
    started = time.perf_counter()
    async with websockets.connect(f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=["streamlit"],
                                  max_size=None, open_timeout=60) as ws:
        await ws.send(message.SerializeToString())
        while True:
            raw = await asyncio.wait_for(ws.recv(), timeout)
            forward = ForwardMsg()
            forward.ParseFromString(raw)
            kind = forward.WhichOneof("type")
            if kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
                element = forward.delta.new_element
                what = element.WhichOneof("type")
                if what == "exception":
                    exceptions.append(f"{element.exception.type}: {element.exception.message}"[:300])
                elif what == "markdown":
                    texts.append(element.markdown.body)
                elif what == "alert":
                    texts.append(element.alert.body)
            if kind == "script_finished":
                break
    return {"ms": (time.perf_counter() - started) * 1000, "exceptions": exceptions, "texts": texts}


async def sessions(port: int, asked: list[str]) -> tuple[list[dict | BaseException], float]:
    started = time.perf_counter()
    done = await asyncio.gather(*(session(port, q) for q in asked), return_exceptions=True)
    return done, time.perf_counter() - started


def load_app(asked: list[str], sessions_count: int) -> dict:
    port = free_port()
    process = start_app(port)
    try:
        warm = asyncio.run(session(port, "mariage forcé"))  # the first visitor loads the model
        per_session = max(1, len(asked) // sessions_count)
        waves = [asked[i::sessions_count][:per_session] for i in range(sessions_count)]
        latencies, errors, answered = [], [], 0
        wall = 0.0
        for wave in zip(*waves):  # each wave: every session opens one link at the same time
            done, seconds = asyncio.run(sessions(port, list(wave)))
            wall += seconds
            for result in done:
                if isinstance(result, BaseException):
                    errors.append("".join(traceback.format_exception_only(result)).strip()[:300])
                elif result["exceptions"]:
                    errors += result["exceptions"]
                else:
                    latencies.append(result["ms"])
                    answered += any("art." in t or "Aucun" in t or "aucun" in t for t in result["texts"])
        return {
            "sessions": sessions_count,
            "warm_up_first_visit_ms": round(warm["ms"], 1),
            "warm_up_exceptions": warm["exceptions"],
            "pages": summary(latencies, wall, errors),
            "pages_showing_articles_or_no_answer": answered,
            "app_peak_rss_mb": peak_rss_mb(process.pid),
        }
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()


def markdown(figures: dict) -> str:
    s, d = figures["search_layer"], figures["search_layer"]["dossiers"]
    lines = [
        "# Test de charge (boucle locale)",
        "",
        f"{figures['date']} — {figures['machine']}. Reproduire : `{figures['command']}`.",
        "",
        f"Index : {len(s['index']['instruments'])} textes, {s['index']['points']} morceaux "
        f"({', '.join(s['index']['instruments'])}).",
        "",
        "| charge | requêtes | erreurs | p50 (ms) | p95 (ms) | max (ms) | débit (req/s) | mémoire max (Mo) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        f"| {s['clients']} clients, recherche (fiche réponse), threads, un processus | {s['search']['requests']} | "
        f"{s['search']['errors']} | {s['search']['p50_ms']:.0f} | {s['search']['p95_ms']:.0f} | {s['search']['max_ms']:.0f} | "
        f"{s['search']['throughput_per_s']} | {s['peak_rss_mb']:.0f} |",
        f"| 2 clients modifiant des dossiers (SQLite), en même temps | {d['requests']} | {d['errors']} | "
        f"{d['p50_ms']:.0f} | {d['p95_ms']:.0f} | {d['max_ms']:.0f} | {d['throughput_per_s']} | (même processus) |",
    ]
    if "app" in figures:
        a = figures["app"]
        lines.append(
            f"| {a['sessions']} sessions Streamlit (websocket, lien `?q=…`) | {a['pages']['requests']} | "
            f"{a['pages']['errors']} | {a['pages']['p50_ms']:.0f} | {a['pages']['p95_ms']:.0f} | {a['pages']['max_ms']:.0f} | "
            f"{a['pages']['throughput_per_s']} | {a['app_peak_rss_mb']:.0f} |")
    lines += [
        "",
        f"Première question (modèle chargé, pipelines construits) : {s['cold_first_question_ms']:.0f} ms. "
        f"Réponses concurrentes comparées à la même question posée seule : {s['cross_talk_checked']}, "
        f"différentes : {len(s['cross_talk_mismatches'])}. Dossiers : {d['rounds']} tours, "
        f"{d['final_entries']} articles à la fin, cohérents : {'oui' if d['consistent'] else 'non'}.",
    ]
    if "app" in figures:
        a = figures["app"]
        lines.append(f"Application : premier visiteur {a['warm_up_first_visit_ms']:.0f} ms ; pages montrant des "
                     f"articles ou « aucun » : {a['pages_showing_articles_or_no_answer']} sur {a['pages']['requests']}.")
    errors = s["search"]["error_samples"] + d["error_samples"] + (figures.get("app", {}).get("pages", {}).get("error_samples", []))
    if errors:
        lines += ["", "Erreurs (exemples) :", ""] + [f"- `{e}`" for e in errors]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--per-client", type=int, default=4, help="questions per search client")
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--per-session", type=int, default=2, help="pages opened by each app session")
    parser.add_argument("--skip-app", action="store_true")
    args = parser.parse_args()

    settings = get_settings()
    pool = questions()
    n_search = args.clients * args.per_client
    figures = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{os.cpu_count()} cœurs, charge moyenne au départ {os.getloadavg()[0]:.1f}",
        "command": "MUSOYA_DATA_DIR=… python -m evals.load " + " ".join(sys.argv[1:]),
        "questions": {"search_layer": n_search, "app": args.sessions * args.per_session,
                      "sources": ["evals/gold.yaml", "bsard/questions_fr_test.csv"]},
    }
    figures["search_layer"] = load_search_layer(settings, pool[:n_search], args.clients)
    print(json.dumps(figures["search_layer"], ensure_ascii=False, indent=1), flush=True)
    if not args.skip_app:
        figures["app"] = load_app(pool[n_search : n_search + args.sessions * args.per_session], args.sessions)
        print(json.dumps(figures["app"], ensure_ascii=False, indent=1), flush=True)
    figures["process_max_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "load.json").write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (RESULTS / "load.md").write_text(markdown(figures), encoding="utf-8")
    print(markdown(figures))


if __name__ == "__main__":
    main()
