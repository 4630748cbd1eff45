"""Real model, real embedded Qdrant: plain-French questions find their articles."""


import numpy as np
import pytest

from conftest import bundle, make_settings
from ingest.index import sync_library
from ingest.store import open_client
from search.searcher import open_searcher

pytestmark = pytest.mark.integration

INSTRUMENTS = (
    "mali-code-penal-2024", "mali-constitution-2023", "un-cedef-1979", "un-cde-1989",
    "oit-c100-egalite-remuneration-1951", "oit-c183-protection-maternite-2000",
    "un-protocole-palerme-traite-2000", "un-dudh-1948",
)
CP, CDE, CEDEF = "mali-code-penal-2024", "un-cde-1989", "un-cedef-1979"

# question → articles that answer it (any of them in the top 3 passes)
SANITY = {
    "à quel âge une fille peut-elle être mariée ?": {(CP, "327-12")},
    "on veut exciser ma fille": {(CP, "321-22"), (CP, "321-23"), (CDE, "24")},
    "mes parents veulent me marier de force sans mon consentement": {(CP, "327-11")},
    "un homme a violé ma voisine": {(CP, "325-3")},
    "des femmes sont vendues et exploitées par des trafiquants": {(CP, "324-29"), ("un-protocole-palerme-traite-2000", "3")},
    "mon chef me harcèle sexuellement au travail": {(CP, "327-4"), (CP, "327-5"), (CP, "327-6")},
    "qu’est-ce que la discrimination à l’égard des femmes ?": {(CEDEF, "1")},
    "ma fille a-t-elle le droit d’aller à l’école ?": {(CDE, "28"), (CEDEF, "10"), ("un-dudh-1948", "26")},
    "combien de semaines de congé de maternité ?": {("oit-c183-protection-maternite-2000", "4")},
    "une femme doit recevoir le même salaire qu’un homme pour le même travail": {
        ("oit-c100-egalite-remuneration-1951", "1"), ("oit-c100-egalite-remuneration-1951", "2"), (CEDEF, "11")},
    "la veuve est donnée en héritage au frère du mari": {(CP, "327-13")},
}


@pytest.fixture(scope="module")
def searcher(tmp_path_factory, real_model_path):
    settings = make_settings(tmp_path_factory.mktemp("e2e"))
    settings.model = real_model_path
    bundle(settings, *INSTRUMENTS)
    client = open_client(settings)
    report = sync_library(settings, client, announce=lambda _: None)
    assert report.changed and not report.errors
    yield open_searcher(settings, client, announce=lambda _: None)
    client.close()


@pytest.mark.parametrize("question", SANITY)
def test_plain_french_question_finds_its_article_in_the_top_3(searcher, question):
    hits = searcher.search(question, top_k=3).hits
    found = {(h.instrument, h.article) for h in hits}
    assert found & SANITY[question], [h.citation for h in hits]


def test_hits_quote_the_corpus_verbatim(searcher):
    for hit in searcher.search("mariage forcé d’une veuve", top_k=5).hits:
        source = (searcher.index.settings.corpus_dir / f"{hit.instrument}.md").read_text(encoding="utf-8")
        assert hit.text in source


def test_every_mode_answers_and_filters_hold(searcher):
    for mode in ("dense", "sparse", "hybrid"):
        hits = searcher.search("mariage d’enfant", top_k=5, mode=mode, jurisdiction="Nations Unies").hits
        assert hits and {h.jurisdiction for h in hits} == {"Nations Unies"}


def test_training_learns_encoder_examples_and_reranker_that_the_search_then_uses(searcher, tmp_path):
    import yaml

    from evals.retrieval import TRAINING
    from search import encoder, examples, reranking
    from search.training import train

    settings, client = searcher.index.settings, searcher.index.client
    pairs = [p for p in yaml.safe_load(TRAINING.read_text(encoding="utf-8"))
             if p["article"].split(":")[0] in INSTRUMENTS][:40] + [{"question": "texte absent", "article": "absent:1"}]
    steps = []
    report = train(settings, client, pairs, epochs=2, progress=lambda done, total, what: steps.append((done, total)),
                   out_dir=tmp_path)
    assert report.pairs == 40 and report.skipped == ["absent:1"]
    assert report.candidates_found >= 0.5  # each question searched with an encoder and examples that never saw it
    assert (40, 40) in steps and steps[-1] == (1, 1)
    assert examples.load(tmp_path / "examples.npz").fingerprint == examples.fingerprint(pairs)
    with np.load(tmp_path / encoder.ENCODER.name) as data:
        assert str(data["pairs"]) == examples.fingerprint(pairs[:40])
    reranking.Model.load(tmp_path / "reranker.json")
    trained = open_searcher(settings.model_copy(update={"examples": tmp_path / "examples.npz",
                                                        "reranker": tmp_path / "reranker.json",
                                                        "query_encoder": tmp_path / encoder.ENCODER.name}),
                            client, announce=lambda _: None)
    hits = trained.search(pairs[0]["question"], top_k=5).hits
    assert pairs[0]["article"] in {f"{h.instrument}:{h.key}" for h in hits}


def test_examples_alone_are_refreshed_with_the_shipped_encoder(real_model_path, tmp_path):
    """`musoya train --exemples-seulement`: the shipped vectors again, in minutes, for the same pairs."""
    import yaml

    from evals.retrieval import COVERAGE, TRAINING
    from musoya.settings import ROOT, Settings
    from search import examples
    from search.training import refresh_examples

    settings = Settings(data_dir=ROOT / "data", _env_file=None)  # the bundled corpus: the spelling the shipped saw
    pairs = yaml.safe_load(TRAINING.read_text(encoding="utf-8"))
    everything = pairs + yaml.safe_load(COVERAGE.read_text(encoding="utf-8"))
    with pytest.raises(ValueError, match="musoya train"):
        refresh_examples(settings, pairs[1:], out_dir=tmp_path)  # the encoder learnt from other pairs
    steps = []
    voters, _ = refresh_examples(settings, pairs, progress=lambda done, total, what: steps.append(done),
                                 out_dir=tmp_path)
    refreshed = examples.load(tmp_path / "examples.npz")
    assert refreshed.fingerprint == examples.fingerprint(pairs) and len(refreshed.articles) == voters
    assert steps[-1] == voters and refreshed.questions[0] == pairs[examples.voting(pairs)[0]]["question"]
    shipped = examples.load(examples.EXAMPLES).vectors
    row = {i: k for k, i in enumerate(examples.voting(everything))}
    same = [row[i] for i in examples.voting(pairs)]  # enough questions in training.yaml alone: voters in both
    assert np.abs(refreshed.vectors - shipped[same]).max() < 1e-3
