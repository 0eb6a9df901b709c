"""The one settings object. Nothing else in callqa reads the environment."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_STANDARDS_FILE = Path(__file__).parent / "standards" / "default.yaml"


class Settings(BaseSettings):
    """Every `CALLQA_*` environment variable; the README's settings table mirrors this class."""

    model_config = SettingsConfigDict(env_prefix="CALLQA_", extra="ignore")

    database_url: str = Field(
        "sqlite:///./callqa.db",
        description="SQLAlchemy URL: SQLite file (default) or postgresql+psycopg://...",
    )
    standards_file: Path = Field(DEFAULT_STANDARDS_FILE, description="The service standard (YAML) to score by.")
    host: str = Field("127.0.0.1", description="Address `callqa serve` binds.")
    port: int = Field(8000, description="Port `callqa serve` binds.")
    max_batch_events: int = Field(500, ge=1, description="Most events accepted in one POST /v1/events batch.")
    max_body_bytes: int = Field(5_000_000, ge=1024, description="Largest request body accepted (bytes).")
    max_text_chars: int = Field(10_000, ge=1, description="Longest utterance or reply text accepted.")
    max_clock_skew_seconds: int = Field(
        300, ge=0, description="How far in the future an event's occurred_at may lie (sender clock skew)."
    )
    max_order_skew_seconds: int = Field(
        3600,
        ge=0,
        description="How far an answer may precede its offer (or a reply its ticket) before rejection.",
    )
    sweep_interval_seconds: float = Field(
        5.0, gt=0, description="How often deadlines of live interactions are checked with no new event."
    )
    log_level: str = Field("INFO", description="Python log level.")


@lru_cache
def get_settings() -> Settings:
    return Settings()
