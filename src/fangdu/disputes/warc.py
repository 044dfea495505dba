"""Web pages captured as WARC files (ISO 28500, ``warcio``): each image a response record
holds becomes a sighting, with its URL and capture time; the WARC itself is kept as evidence
of where and when the page was fetched."""

from __future__ import annotations

import gzip
import io
import zlib
from dataclasses import dataclass

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from fangdu.errors import ImageRejected


@dataclass(frozen=True)
class WarcImage:
    url: str
    fetched: str  # WARC-Date
    data: bytes


def is_warc(data: bytes) -> bool:
    head = data[:64]
    if head.startswith(b"\x1f\x8b"):
        try:
            head = gzip.GzipFile(fileobj=io.BytesIO(data[:4096])).read(16)
        except (OSError, EOFError):
            return False
    return head.startswith(b"WARC/")


def images_in_warc(data: bytes) -> list[WarcImage]:
    """Every image a WARC's response records hold; ImageRejected with one line if the file
    cannot be read as WARC or holds no image."""
    images = []
    if data.startswith(b"\x1f\x8b"):
        # warcio stops quietly at a cut gzip member: a download cut short must not pass as a
        # page with fewer images.
        try:
            gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise ImageRejected(f"not a readable WARC file (cut short or corrupt): {exc}") from None
    try:
        for record in ArchiveIterator(io.BytesIO(data)):
            if record.rec_type != "response" or record.http_headers is None:
                continue
            kind = record.http_headers.get_header("Content-Type") or ""
            if not kind.lower().startswith("image/"):
                continue
            url = record.rec_headers.get_header("WARC-Target-URI") or ""
            body = record.content_stream().read()
            declared = record.http_headers.get_header("Content-Length") or ""
            if declared.isdigit() and int(declared) != len(body):
                raise ImageRejected(
                    f"not a readable WARC file (cut short): {url} holds {len(body)} of "
                    f"{declared} bytes"
                )
            images.append(
                WarcImage(
                    url=url,
                    fetched=record.rec_headers.get_header("WARC-Date") or "",
                    data=body,
                )
            )
    except (ArchiveLoadFailed, OSError, ValueError, EOFError) as exc:
        raise ImageRejected(f"not a readable WARC file: {str(exc).splitlines()[0]}") from None
    if not images:
        raise ImageRejected("the WARC file holds no image response")
    return images
