"""The registry context assembled: one database, blob store, evidence log and vector index,
and the use cases over them, each its own small service given what it needs:

- ``checking`` (:class:`CheckService`, reads only): an image's matches, explanations;
- ``filing`` (:class:`FilingService`): import, register, a reviewer's decision;
- ``queries`` (:class:`QueryService`, reads only): show, list, totals;
- ``references`` (:class:`ReferenceIndex`): the vector index kept in line with the database.

:meth:`Registry.open` migrates (writers only), integrates waiting log entries and heals the
index; a reader opens everything read-only and writes nothing anywhere.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine

from fangdu.config import Settings
from fangdu.db.engine import make_engine, require_current_schema, session_factory, upgrade
from fangdu.errors import InputError
from fangdu.ledger.keys import load_or_create_signer, load_signer
from fangdu.ledger.note import parse_cosigner_key
from fangdu.ledger.publisher import Publisher
from fangdu.ledger.store import LogStore
from fangdu.ledger.timestamp import HttpTimestampAuthority
from fangdu.registry.blobs import BlobStore, LocalBlobStore
from fangdu.registry.checking import CheckService
from fangdu.registry.filing import BATCH_SIZE, FilingService, InstallationKeys
from fangdu.registry.indexing import ReferenceIndex, open_index, open_words
from fangdu.registry.queries import QueryService
from fangdu.registry.repository import Repository, UnitOfWork
from fangdu.similarity.index import VectorIndex
from fangdu.similarity.word_index import WordIndex


class Registry:
    """The registry's services over one database, blob store and vector index. Use
    :meth:`open`."""

    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        blobs: BlobStore,
        index: VectorIndex,
        *,
        words: WordIndex | None = None,
        batch_size: int = BATCH_SIZE,
        read_only: bool = False,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.blobs = blobs
        # A reader (`check`, `show`, a check worker) writes nothing: no key, no index file.
        self.read_only = read_only
        self.units = UnitOfWork(session_factory(engine))
        keys = settings.keys_path
        log_key = keys / "log.key"
        self.ledger = LogStore(
            session_factory(engine),
            (lambda: load_signer(log_key))
            if read_only
            else load_or_create_signer(log_key, settings.log_origin),
            origin=settings.log_origin,
            timestamper=_timestamper(settings),
            witnesses=[(w.url, parse_cosigner_key(w.key)) for w in settings.witnesses],
        )
        self.keys = InstallationKeys(keys, read_only=read_only)
        self.references = ReferenceIndex(settings, self.units, blobs, self.ledger, index, words)
        self.checking = CheckService(settings, self.units, blobs, self.references)
        self.queries = QueryService(self.units)
        self.filing = FilingService(
            settings,
            self.units,
            blobs,
            self.ledger,
            self.keys,
            self.checking,
            self.references,
            self.integrate,
            batch_size=batch_size,
        )
        # Without a running publisher, writes timestamp and ask witnesses before returning
        # (one command, one process); a service runs one so that no request waits for them.
        self.publisher: Publisher | None = None

    @property
    def index(self) -> VectorIndex:
        return self.references.index

    @classmethod
    def open(
        cls,
        settings: Settings,
        *,
        blobs: BlobStore | None = None,
        sync: bool = True,
        read_only: bool = False,
    ) -> Registry:
        """Migrate the database to the current schema and bring the index in line with it.

        ``read_only`` (the reading commands, check workers) writes nothing anywhere: no
        migration (a database of another schema is refused with what to run), no log
        integration, no network, no key or index file; the index is caught up in memory.
        ``sync=False`` is for read-only helpers of a process that has just synced.
        """
        read_only = read_only or not sync
        if not read_only:
            settings.ensure_dirs()
        engine = make_engine(settings.db_url, read_only=read_only)
        try:
            if read_only:
                require_current_schema(engine)
            else:
                upgrade(engine)
            index = open_index(settings, read_only=read_only)
            registry = cls(
                settings,
                engine,
                blobs or LocalBlobStore(settings.blobs_path),
                index,
                words=open_words(settings, read_only=index.read_only),
                read_only=read_only,
            )
            if not read_only:
                registry.ledger.integrate(publish=False)  # never the network when opening
            references = registry.references
            if not index.read_only:  # this process owns the index files: heal them
                position = registry.ledger.sequenced_size()
                references.last_sync = references.sync_index()
                references.save(position)
            references.catch_up()
        except BaseException:
            engine.dispose()
            raise
        return registry

    def start_publisher(self, interval: float = 30.0) -> Publisher:
        """Publish checkpoints (timestamps, cosignatures) from a background thread."""
        if self.publisher is None:
            self.publisher = Publisher(self.ledger, interval=interval).start()
            self.publisher.wake()
        return self.publisher

    def integrate(self) -> None:
        """After a write: fold the new entries into a signed checkpoint now; publish it now,
        or let the publisher do it."""
        self.ledger.integrate(publish=self.publisher is None)
        if self.publisher is not None:
            self.publisher.wake()

    def close(self) -> None:
        if self.publisher is not None:
            self.publisher.stop()
            self.publisher = None
        self.references.close()
        self.engine.dispose()

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def unit_of_work(self) -> Iterator[Repository]:
        """One transaction: commits when the block ends normally, rolls back otherwise."""
        with self.units() as repo:
            yield repo


def _timestamper(settings: Settings) -> HttpTimestampAuthority | None:
    if settings.timestamp_url is None:
        return None
    if settings.timestamp_ca is None:
        # Tokens are checked when received, and evidence bundles must carry the root.
        raise InputError("FANGDU_TIMESTAMP_URL needs FANGDU_TIMESTAMP_CA (the authority's root)")
    return HttpTimestampAuthority(settings.timestamp_url, ca_pem=settings.timestamp_ca.read_bytes())
