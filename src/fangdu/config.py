"""The one settings object. Everything Fangdu stores lives under ``home`` unless set otherwise."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

from fangdu.durable import make_private_dir, make_private_file


class WitnessConfig(BaseModel):
    """A witness the log asks to cosign each checkpoint (c2sp.org/tlog-witness)."""

    url: str  # base URL; the log POSTs to <url>/add-checkpoint
    key: str  # the witness's cosigner verifier key, <name>+<hex id>+<base64>


class Settings(BaseSettings):
    """Read from ``FANGDU_*`` environment variables; the CLI's ``--home`` overrides ``home``."""

    model_config = SettingsConfigDict(env_prefix="FANGDU_", extra="ignore")

    home: Path = Field(default=Path(".fangdu"))
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default is SQLite inside home"
    )
    blob_dir: Path | None = Field(default=None, description="content-addressed blob store")
    index_dir: Path | None = Field(default=None, description="vector index files")
    index_url: str | None = Field(
        default=None,
        description="another index engine: milvus://host:port/collection for a Milvus server, "
        "or a file path for Milvus Lite; default FAISS files in index_dir",
    )
    max_image_pixels: int = Field(default=100_000_000, description="refuse larger images")
    max_image_bytes: int = Field(default=200 * 1024 * 1024, description="refuse larger files")
    keys_dir: Path | None = Field(default=None, description="signing keys (0600 files)")
    verify_threads: int = Field(
        default=2,
        ge=1,
        le=64,
        description="threads verifying one check's shortlist; the web serves several checks at "
        "once, each with this many",
    )
    log_origin: str = Field(
        default="fangdu.local/ledger",
        description="the log's name in its checkpoints: a schema-less URL unique to this log",
    )
    timestamp_url: str | None = Field(
        default=None, description="RFC 3161 timestamp authority for checkpoints"
    )
    timestamp_ca: Path | None = Field(
        default=None, description="PEM root(s) the timestamp authority's tokens must chain to"
    )
    witnesses: list[WitnessConfig] = Field(
        default_factory=list, description='JSON list of {"url": ..., "key": ...}'
    )

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

    @property
    def keys_path(self) -> Path:
        return (self.keys_dir or self.resolved_home() / "keys").expanduser().resolve()

    def ensure_home(self) -> None:
        """The home folder and a SQLite database file, owner-only (0700, 0600): they hold
        unpublished applications, accounts and keys. SQLite gives its -wal and -shm files the
        database file's mode."""
        make_private_dir(self.resolved_home())
        url = make_url(self.db_url)
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            database = Path(url.database)
            if database.parent.is_dir():
                make_private_file(database)

    def ensure_dirs(self) -> None:
        self.ensure_home()
        for path in (self.blobs_path, self.index_path, self.keys_path):
            make_private_dir(path)


def load_settings(home: Path | None = None) -> Settings:
    """Settings from the environment, with ``home`` overriding ``FANGDU_HOME`` when given."""
    settings = Settings()
    if home is not None:
        settings = settings.model_copy(update={"home": home})
    return settings
