"""The one settings object. Everything Fangdu stores lives under ``home`` unless set otherwise."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Read from ``FANGDU_*`` environment variables; the CLI's ``--home`` overrides ``home``."""

    model_config = SettingsConfigDict(env_prefix="FANGDU_", extra="ignore")

    home: Path = Field(default=Path(".fangdu"))
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default is SQLite inside home"
    )
    blob_dir: Path | None = Field(default=None, description="content-addressed blob store")
    index_dir: Path | None = Field(default=None, description="vector index files")
    max_image_pixels: int = Field(default=100_000_000, description="refuse larger images")
    max_image_bytes: int = Field(default=200 * 1024 * 1024, description="refuse larger files")

    def resolved_home(self) -> Path:
        return self.home.expanduser().resolve()

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.resolved_home() / 'fangdu.sqlite3'}"

    @property
    def blobs_path(self) -> Path:
        return (self.blob_dir or self.resolved_home() / "blobs").expanduser().resolve()

    @property
    def index_path(self) -> Path:
        return (self.index_dir or self.resolved_home() / "index").expanduser().resolve()

    def ensure_dirs(self) -> None:
        for path in (self.resolved_home(), self.blobs_path, self.index_path):
            path.mkdir(parents=True, exist_ok=True)


def load_settings(home: Path | None = None) -> Settings:
    """Settings from the environment, with ``home`` overriding ``FANGDU_HOME`` when given."""
    settings = Settings()
    if home is not None:
        settings = settings.model_copy(update={"home": home})
    return settings
