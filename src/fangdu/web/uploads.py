"""Uploaded files: already streamed to a temporary file by the form parser (the body limit
caps what it may write); here they are checked against the image size limit and read."""

from __future__ import annotations

from fastapi import UploadFile

from fangdu.errors import ImageRejected
from fangdu.web.problems import WebProblem

# Form fields and multipart framing around the file: generous, still small.
FORM_OVERHEAD = 256 * 1024
# Bodies of forms without a file (sign-in, decisions...).
SMALL_BODY = 64 * 1024


def read_upload(upload: UploadFile | None, max_bytes: int) -> bytes:
    """The file's bytes; 413 over ``max_bytes``, ImageRejected when no file was chosen.

    The bytes are only ever decoded by the registry's image decoder, never executed, and the
    name the browser sent is never used as a path.
    """
    if upload is None or (not upload.filename and not upload.size):
        raise ImageRejected("empty file")
    if upload.size is not None and upload.size > max_bytes:
        raise WebProblem(413, f"the file is larger than {max_bytes} bytes", kind="too-large")
    data = upload.file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise WebProblem(413, f"the file is larger than {max_bytes} bytes", kind="too-large")
    return data


def display_name(upload: UploadFile | None) -> str:
    """The uploaded file's name for showing back (escaped by the templates), short."""
    name = (upload.filename if upload is not None else None) or "upload"
    return name.replace("\\", "/").rsplit("/", 1)[-1][:120]
