"""`musoya train`: what the search learns from the team's example questions.

Three things, against the serving index: the question encoder's updates (search/encoder.py),
the examples' vectors (corpus/training.yaml and corpus/coverage.yaml) and the reranker's
weights. The encoder and the reranker learn from training.yaml only, questions written the
way people ask theirs: fitted on every article's questions (coverage's legal wording
included), the reranker did worse on the evaluation sets, and the encoder no better (dense
primary@5 within ±0.05 on five sets, −0.12 on one) at 4.5 times the training time. The
reranker must learn from questions judged as unseen ones will be, so each training question
is searched with an encoder fitted on the other folds and never votes for itself. Questions that
only vote (coverage.yaml) can be added without all that: `refresh_examples`.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ingest.index import Index
from ingest.model import PREFIX_QUERY, merge_updates, model_path, question_model_path
from search import encoder, examples, reranking
from search.searcher import dense_text, open_searcher

FOLDS = 5
# Share of training questions whose article's examples are hidden when the reranker's rows are made,
# so that it learns what an article no example describes looks like (a text the user adds). Measured
# by hiding each evaluation question's article's examples, gold primary@5 0.41 → 0.77 (0.30 → 0.69 on
# the older later sets), and 0.88 → 0.86 with the examples in place (0.760 → 0.755); 0.2 cost more.
UNDESCRIBED = 0.1


@dataclass
class TrainingReport:
    pairs: int
    articles: int
    skipped: list[str]
    seconds: float
    candidates_found: float  # share of training questions whose article is among the reranked candidates
    examples: int  # questions that vote (training and coverage), on `example_articles` articles
    example_articles: int


def _embedder(model: str):
    """The question vectors `model` gives, as the dense side computes them (prefix, normalised)."""
    from sentence_transformers import SentenceTransformer

    encode = SentenceTransformer(model, device="cpu", local_files_only=True).encode
    return lambda texts: encode([PREFIX_QUERY + t for t in texts], batch_size=32, normalize_embeddings=True,
                                convert_to_numpy=True).astype(np.float32)


def train(settings, client, pairs: list[dict], epochs: int = encoder.EPOCHS, seed: int = 13, progress=None,
          out_dir: Path = Path(__file__).parent, coverage: list[dict] = ()) -> TrainingReport:
    started = time.perf_counter()
    step = progress or (lambda done, total, label: None)
    prepare = dense_text(settings)  # learn on what the dense side will see
    everything = list(pairs) + list(coverage)
    voters = examples.voting(everything)
    voting_articles = [everything[i]["article"] for i in voters]
    voting_questions = [everything[i]["question"] for i in voters]
    as_voter = {i: k for k, i in enumerate(voters)}

    corpus = reranking.Corpus(client).load(Index(settings, client).serving())
    index = corpus.position
    kept = [i for i, p in enumerate(pairs) if p["article"] in index]
    if not kept:
        raise ValueError("Aucune paire d’entraînement ne correspond à un article de l’index.")
    base = model_path(settings)
    questions = [prepare(p["question"]) for p in pairs]
    folds = np.random.default_rng(seed).integers(0, FOLDS, len(pairs))
    undescribed = np.random.default_rng(seed + 1).random(len(pairs)) < UNDESCRIBED
    rows, labels, found = [], [], 0

    def fit(chosen: list[int], out: Path, label: str) -> Path:
        updates = encoder.fit(base, [questions[i] for i in chosen], [index[pairs[i]["article"]] for i in chosen],
                              corpus.vectors, corpus.owner, epochs=epochs, seed=seed,
                              progress=lambda done, total: step(done, total, label))
        return encoder.save(updates, [pairs[i] for i in chosen], out, epochs, seed)

    with tempfile.TemporaryDirectory() as folder:
        for f in range(FOLDS):
            updates = fit([i for i in kept if folds[i] != f], Path(folder) / f"fold-{f}.npz",
                          f"encodeur, pli {f + 1}/{FOLDS}")
            merged = merge_updates(Path(base), updates, Path(folder) / f"model-{f}")  # loaded models are cached by path
            embed = _embedder(str(merged))
            voting = examples.Examples(embed([prepare(everything[i]["question"]) for i in voters]),
                                       voting_articles, voting_questions)
            held_out = [i for i in kept if folds[i] == f]
            held_vectors = dict(zip(held_out, embed([questions[i] for i in held_out])))
            searcher = open_searcher(settings.model_copy(update={"model": str(merged), "query_encoder": None,
                                                                 "reranker": None, "linked_articles": False}),
                                     client, announce=lambda _: None)
            for i in held_out:
                result = searcher.search(pairs[i]["question"], top_k=reranking.CANDIDATES)
                lists = ([f"{h.instrument}:{h.key}" for h in result.hits], result.ranked.get("sparse", []),
                         result.ranked.get("dense", []))
                candidates, signals = reranking.signals(corpus, *lists, voting, pairs[i]["question"],
                                                        held_vectors[i], exclude=as_voter.get(i))
                found += pairs[i]["article"] in candidates
                if undescribed[i]:  # judged as if no example described its article
                    candidates, signals = reranking.signals(corpus, *lists, voting.without(pairs[i]["article"]),
                                                            pairs[i]["question"], held_vectors[i])
                rows.append(signals)
                labels += [c == pairs[i]["article"] for c in candidates]
                step(len(rows), len(kept), "questions cherchées pour le reclassement")
        out = fit(kept, out_dir / encoder.ENCODER.name, "encodeur des questions")
        embed = _embedder(str(merge_updates(Path(base), out, Path(folder) / "final")))
        vectors = embed([prepare(everything[i]["question"]) for i in voters])
        step(1, 1, "vecteurs des exemples")
    examples.save([everything[i] for i in voters], vectors,
                  out_dir / examples.EXAMPLES.name, source=everything)
    weights = reranking.fit(np.vstack(rows), np.asarray(labels))
    reranking.save(weights, out_dir / reranking.RERANKER.name)
    return TrainingReport(len(kept), len({pairs[i]["article"] for i in kept}),
                          sorted({p["article"] for p in pairs if p["article"] not in index}),
                          time.perf_counter() - started, found / len(kept), len(voters), len(set(voting_articles)))


def refresh_examples(settings, pairs: list[dict], coverage: list[dict] = (), progress=None,
                     out_dir: Path = Path(__file__).parent) -> tuple[int, int]:
    """Only the examples' vectors, embedded by the shipped question encoder: for questions added to
    coverage.yaml, which only vote, a few minutes instead of a full `musoya train`.

    The encoder and the reranker keep what they learnt from training.yaml, so its pairs must be
    those they learnt from. Returns the number of voting questions and of their articles.
    """
    step = progress or (lambda done, total, label: None)
    if not settings.query_encoder or not settings.query_encoder.is_file():
        raise ValueError("Aucun encodeur des questions appris : lancez « musoya train ».")
    with np.load(settings.query_encoder) as data:
        if str(data["pairs"]) != examples.fingerprint(list(pairs)):
            raise ValueError("corpus/training.yaml a changé depuis le dernier apprentissage : lancez « musoya train » "
                             "(encodeur, exemples et reclassement), pas seulement les exemples.")
    prepare = dense_text(settings)
    everything = list(pairs) + list(coverage)
    voters = examples.voting(everything)
    if not voters:
        raise ValueError("Aucun article n’a assez de questions d’exemple pour voter.")
    embed = _embedder(question_model_path(settings, announce=lambda _: None))
    texts = [prepare(everything[i]["question"]) for i in voters]
    batch, vectors = 256, []
    for start in range(0, len(texts), batch):
        vectors.append(embed(texts[start:start + batch]))
        step(min(start + batch, len(texts)), len(texts), "vecteurs des exemples")
    examples.save([everything[i] for i in voters], np.vstack(vectors),
                  out_dir / examples.EXAMPLES.name, source=everything)
    return len(voters), len({everything[i]["article"] for i in voters})
