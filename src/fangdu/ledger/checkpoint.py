"""Checkpoints (c2sp.org/tlog-checkpoint): the signed head of a transparency log.

The note text is the origin, the tree size in decimal, the base64 root hash, and optional
extension lines, each ending in a newline:

    example.com/behind-the-sofa
    20852163
    CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=

Parsing is strict, so one tree head has exactly one text.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from dataclasses import dataclass

from fangdu.errors import VerificationError
from fangdu.ledger.merkle import HASH_SIZE
from fangdu.ledger.note import (
    CosignatureVerifier,
    NoteError,
    OpenedNote,
    Verifier,
    b64decode_canonical,
    open_note,
)

__all__ = ["MAX_TREE_SIZE", "Checkpoint", "CheckpointError", "open_checkpoint"]

# Sizes are int64 in Go's tlog and in most verifiers.
MAX_TREE_SIZE = 2**63 - 1
_SIZE = re.compile(r"0|[1-9][0-9]*", re.ASCII)


class CheckpointError(VerificationError):
    """A checkpoint text or field is malformed; the message says which and why."""


def _check_line(value: str, what: str) -> None:
    if not isinstance(value, str) or not value:
        raise CheckpointError(f"checkpoint {what} must be a non-empty string")
    for char in value:
        if char < " ":
            raise CheckpointError(f"checkpoint {what} contains the control character {char!r}")


@dataclass(frozen=True)
class Checkpoint:
    """A tree head: the log's origin, its size and root hash, and opaque extension lines."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_line(self.origin, "origin")
        if isinstance(self.size, bool) or not isinstance(self.size, int):
            raise CheckpointError(f"checkpoint size must be an int, got {self.size!r}")
        if not 0 <= self.size <= MAX_TREE_SIZE:
            raise CheckpointError(f"checkpoint size must be 0..2**63-1, got {self.size}")
        if not isinstance(self.root, bytes) or len(self.root) != HASH_SIZE:
            raise CheckpointError(f"checkpoint root must be {HASH_SIZE} bytes")
        if not isinstance(self.extensions, tuple):
            raise CheckpointError("checkpoint extensions must be a tuple of lines")
        for line in self.extensions:
            _check_line(line, "extension line")

    def to_text(self) -> str:
        """The note text, ending in a newline."""
        root = base64.b64encode(self.root).decode("ascii")
        return "".join(
            f"{line}\n" for line in (self.origin, str(self.size), root, *self.extensions)
        )

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """Parse a checkpoint note text (the text of an opened note, not the signed bytes)."""
        if not isinstance(text, str):
            raise CheckpointError("checkpoint text must be a string")
        if not text.endswith("\n"):
            raise CheckpointError("checkpoint text must end with a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise CheckpointError(f"checkpoint has {len(lines)} lines, at least 3 are needed")
        for number, line in enumerate(lines, start=1):
            if not line:
                raise CheckpointError(f"checkpoint line {number} is empty")
        origin, size_text, root_text, *extensions = lines
        if not _SIZE.fullmatch(size_text):
            raise CheckpointError(
                f"checkpoint size {size_text!r} is not a decimal number without leading zeros"
            )
        size = int(size_text)
        if size > MAX_TREE_SIZE:
            raise CheckpointError(f"checkpoint size {size} is larger than 2**63-1")
        try:
            root = b64decode_canonical(root_text, "checkpoint root")
        except NoteError as exc:
            raise CheckpointError(str(exc)) from None
        if len(root) != HASH_SIZE:
            raise CheckpointError(f"checkpoint root is {len(root)} bytes, not {HASH_SIZE}")
        return cls(origin, size, root, tuple(extensions))


def open_checkpoint(
    message: bytes, verifiers: Sequence[Verifier | CosignatureVerifier]
) -> tuple[Checkpoint, OpenedNote]:
    """Open a signed checkpoint and parse it.

    At least one verified signature must be the log's own (a `Verifier` named like the
    origin): witness cosignatures alone do not make a checkpoint.
    """
    opened = open_note(message, verifiers)
    checkpoint = Checkpoint.parse(opened.text)
    log_keys = {
        (v.name, bytes(v.key_id))
        for v in verifiers
        if isinstance(v, Verifier) and v.name == checkpoint.origin
    }
    if not any((s.name, s.key_id) in log_keys for s in opened.signatures):
        raise CheckpointError(f"checkpoint is not signed by a known key of {checkpoint.origin}")
    return checkpoint, opened
