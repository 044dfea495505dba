"""What the pages and the API show, computed from the registry and the log.

Nothing here knows about HTTP: pictures for the explanations, images made safe to serve,
the live verification of a record against the latest checkpoint, certificate data, evidence
bundles, and the log's tiles.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from fangdu.errors import Conflict, FangduError, NotFound
from fangdu.imaging import decode_image
from fangdu.ledger import tiles
from fangdu.ledger.bundle import build_bundle
from fangdu.ledger.checkpoint import CheckpointError, open_checkpoint
from fangdu.ledger.entries import EntryError, parse_entry
from fangdu.ledger.merkle import HASH_SIZE, ProofError, leaf_hash, verify_inclusion
from fangdu.ledger.note import NoteError, parse_cosigner_key
from fangdu.ledger.store import LogStore, SignedCheckpoint
from fangdu.ledger.timestamp import TimestampError, verify_timestamp
from fangdu.registry.checking import CheckService
from fangdu.registry.evidence import collect_evidence
from fangdu.registry.queries import QueryService
from fangdu.registry.schemas import MatchInfo, WorkInfo
from fangdu.registry.services import Registry

if TYPE_CHECKING:
    from fangdu.app import Fangdu

# The types stored originals are served as: every raster format the registry accepts (never
# HTML or SVG), and whether browsers show it (TIFF only Safari does: the others download it).
SERVED_TYPES = {
    "PNG": ("image/png", ".png", True),
    "JPEG": ("image/jpeg", ".jpg", True),
    "MPO": ("image/jpeg", ".jpg", True),
    "WEBP": ("image/webp", ".webp", True),
    "GIF": ("image/gif", ".gif", True),
    "BMP": ("image/bmp", ".bmp", True),
    "TIFF": ("image/tiff", ".tif", False),
}
EXPLANATION_WIDTH = 1200
PREVIEW_SIDE = 640
RENDITION_SIDE = 2400  # the full-size view on the page: sharp on any screen, quick to encode


# -- records -------------------------------------------------------------------------------


_LONG_NUMBER = re.compile(r"\d{19,}")


def find_work(queries: QueryService, key: str) -> WorkInfo:
    """A work by id, W-id or registration number; NotFound for anything else, including
    numbers too large to be an id."""
    if len(key) > 40 or _LONG_NUMBER.search(key):
        raise NotFound("no such work")
    record = queries.show(key)
    if not isinstance(record, WorkInfo):
        raise NotFound(f"no work {key}")
    return record


# -- pictures --------------------------------------------------------------------------------


def jpeg_bytes(rgb: np.ndarray, max_width: int | None = None, max_side: int | None = None) -> bytes:
    image = Image.fromarray(rgb)
    if max_width is not None and image.width > max_width:
        image = image.resize(
            (max_width, round(image.height * max_width / image.width)), Image.Resampling.LANCZOS
        )
    if max_side is not None:
        image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85, optimize=True)
    return buffer.getvalue()


def data_uri(jpeg: bytes) -> str:
    """Embedded in the page: an explanation is made for one look and never stored."""
    return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode()


def explanation(checking: CheckService, query: bytes, match: MatchInfo) -> str | None:
    """The side-by-side picture of the query and a match as a data: URI (None: nothing to
    draw, e.g. a match without correspondences)."""
    if match.match is None or match.verdict == "none":
        return None
    try:
        rgb = checking.explain(query, match, caption=False)  # the page captions it
    except FangduError:
        return None
    return data_uri(jpeg_bytes(rgb, max_width=EXPLANATION_WIDTH))


@dataclass(frozen=True)
class ServedImage:
    data: bytes
    media_type: str
    extension: str
    inline: bool  # browsers show it; otherwise it is sent as a download

    @property
    def disposition(self) -> str:
        return "inline" if self.inline else "attachment"


def served_original(core: Fangdu, sha256: str) -> ServedImage:
    """The stored bytes with the media type the decoder finds in them (not what anyone
    claimed at upload); anything else is refused rather than served."""
    data = core.blobs.get(sha256)
    decoded = decode_image(data, max_pixels=core.settings.max_image_pixels)
    served = SERVED_TYPES.get(decoded.format)
    if served is None:
        raise NotFound(
            f"no web rendition of a {decoded.format} original: download the evidence bundle"
        )
    return ServedImage(data, *served)


def png_rendition(core: Fangdu, sha256: str) -> bytes:
    """The original as a PNG every browser shows, upright and at most RENDITION_SIDE a side:
    what the page displays when the original is a TIFF or too large to view."""
    data = core.blobs.get(sha256)
    image = Image.fromarray(
        decode_image(data, max_pixels=core.settings.max_image_pixels, draft_side=RENDITION_SIDE).rgb
    )
    image.thumbnail((RENDITION_SIDE, RENDITION_SIDE), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=6)
    return buffer.getvalue()


class PreviewCache:
    """Small JPEG renditions of stored images for the pages, the most recent kept in memory."""

    def __init__(self, core: Fangdu, size: int = 256) -> None:
        self.core = core
        self.size = size
        self._cache: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()  # pages are served from several threads

    def get(self, sha256: str) -> bytes:
        with self._lock:
            if sha256 in self._cache:
                self._cache.move_to_end(sha256)
                return self._cache[sha256]
        data = self.core.blobs.get(sha256)
        rgb = decode_image(data, max_pixels=self.core.settings.max_image_pixels).rgb
        preview = jpeg_bytes(rgb, max_side=PREVIEW_SIDE)
        with self._lock:
            self._cache[sha256] = preview
            while len(self._cache) > self.size:
                self._cache.popitem(last=False)
        return preview


# -- the record in the log -------------------------------------------------------------------


@dataclass(frozen=True)
class EntryCheck:
    index: int
    type: str
    time: str
    status: str | None
    registration_no: str | None
    leaf_hash: str  # hex
    ok: bool
    problem: str | None = None


@dataclass(frozen=True)
class Cosigner:
    name: str
    time: dt.datetime


@dataclass(frozen=True)
class RecordCheck:
    """The live check of a record's log entries against the latest signed checkpoint."""

    origin: str
    entries: list[EntryCheck]
    checkpoint_size: int | None = None
    root: str | None = None  # base64, as in the checkpoint
    cosigners: tuple[Cosigner, ...] = ()
    timestamp: dt.datetime | None = None
    timestamp_authority: str | None = None
    problem: str | None = None  # why the checkpoint itself could not be trusted

    @property
    def ok(self) -> bool:
        return self.problem is None and bool(self.entries) and all(e.ok for e in self.entries)


def entries_about_work(store: LogStore, work_id: int) -> list[tuple[int, dict]]:
    """(index, parsed entry) about a work, oldest first; parsing checks each signature."""
    return [(index, parse_entry(data)) for index, data in store.entries_about(f"work:{work_id}")]


def registering_entry(store: LogStore, work_id: int) -> int:
    """The index of the entry that made the work registered (its latest such entry)."""
    found = [
        index
        for index, entry in entries_about_work(store, work_id)
        if entry["body"]["type"] in ("registration", "status_change")
        and entry["body"]["facts"].get("status") == "registered"
    ]
    if not found:
        raise Conflict(f"W-{work_id} has no registration in the evidence log")
    return found[-1]


def check_record(core: Fangdu, work: WorkInfo) -> RecordCheck:
    """Open the latest checkpoint with the log's key (and the witnesses' keys), then check
    every entry about the work by its inclusion proof against that checkpoint's root."""
    store = core.ledger
    latest = store.checkpoint()
    if latest is None:
        return RecordCheck(store.origin, [], problem="the log has no checkpoint yet")
    witnesses = [parse_cosigner_key(w.key) for w in core.settings.witnesses]
    try:
        checkpoint, opened = open_checkpoint(
            latest.note + "".join(latest.cosignatures).encode(),
            [store.signer.verifier(), *witnesses],
        )
    except (NoteError, CheckpointError) as exc:
        return RecordCheck(store.origin, [], problem=f"checkpoint does not verify: {exc}")
    cosigners = tuple(
        Cosigner(s.name, dt.datetime.fromtimestamp(s.timestamp, dt.UTC))
        for s in opened.signatures
        if s.timestamp is not None
    )
    stamp, authority = _timestamp(core, latest)
    checks = []
    for index, data in store.entries_about(f"work:{work.id}"):
        checks.append(_check_entry(store, index, data, checkpoint.size, checkpoint.root))
    return RecordCheck(
        origin=store.origin,
        entries=checks,
        checkpoint_size=checkpoint.size,
        root=base64.b64encode(checkpoint.root).decode(),
        cosigners=cosigners,
        timestamp=stamp,
        timestamp_authority=authority,
    )


def _check_entry(store: LogStore, index: int, data: bytes, size: int, root: bytes) -> EntryCheck:
    digest = leaf_hash(data)
    try:
        body = parse_entry(data)["body"]
    except EntryError as exc:
        return EntryCheck(index, "?", "", None, None, digest.hex(), False, str(exc))
    facts = body.get("facts", {})
    common = (
        index,
        body["type"],
        body["time"],
        facts.get("status"),
        facts.get("registration_no"),
        digest.hex(),
    )
    if index >= size:
        return EntryCheck(*common, ok=False, problem="not in the latest checkpoint yet")
    try:
        verify_inclusion(digest, index, size, store.inclusion_proof(index, size), root)
    except ProofError as exc:
        return EntryCheck(*common, ok=False, problem=str(exc))
    return EntryCheck(*common, ok=True)


def _timestamp(core: Fangdu, latest: SignedCheckpoint) -> tuple[dt.datetime | None, str | None]:
    ca = core.settings.timestamp_ca
    if latest.timestamp_token is None or ca is None:
        return None, None
    try:
        token = verify_timestamp(
            latest.timestamp_token, latest.checkpoint.to_text().encode(), ca.read_bytes()
        )
    except (TimestampError, OSError):
        return None, None
    return token.gen_time, token.tsa_name


# -- evidence and the log's files ------------------------------------------------------------


def evidence_zip(registry: Registry, key: str) -> bytes:
    """The evidence bundle of a record, as ``fangdu evidence`` writes it."""
    return build_bundle(collect_evidence(registry, key))


@dataclass(frozen=True)
class TileFile:
    data: bytes
    full: bool  # a full tile never changes: cache it for good


def log_tile(store: LogStore, path: str) -> TileFile:
    """A hash tile or entry bundle of the published tree, by its C2SP path ``tile/...``.

    Only what the latest checkpoint covers is served; anything else is NotFound, including
    every path that is not a canonical tile path (so no path is ever more than a name).
    """
    try:
        level, index, width = tiles.parse_tile_path(path)
    except tiles.TileError:
        raise NotFound("no such tile") from None
    latest = store.checkpoint()
    size = latest.checkpoint.size if latest else 0
    full = width == tiles.TILE_WIDTH
    if level is None:
        start = index * tiles.TILE_WIDTH
        if start + width > size:
            raise NotFound("no such entry bundle in the published tree")
        entries = [data for _, data in store.entries(start, start + width)]
        return TileFile(tiles.entry_bundle(entries), full)
    if index * tiles.TILE_WIDTH + width > size >> (tiles.TILE_HEIGHT * level):
        raise NotFound("no such tile in the published tree")
    try:
        data = store.tile(level, index)
    except KeyError:
        raise NotFound("no such tile") from None
    if len(data) < width * HASH_SIZE:
        raise NotFound("no such tile")
    return TileFile(data[: width * HASH_SIZE], full)
