"""Errors shared by every bounded context.

FangduError
 ├── InputError          the caller gave something unusable (bad field, bad file)
 │    └── ImageRejected  an image that cannot be read safely; .reason is one line
 ├── NotFound            no such work, prior art or file
 └── Conflict            the request clashes with what is stored (e.g. a copy of a work)
"""


class FangduError(Exception):
    """Root of every error Fangdu raises on purpose."""


class InputError(FangduError):
    """The caller gave something unusable."""


class ImageRejected(InputError):
    """An image that cannot be read safely. ``reason`` is a one-line explanation."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NotFound(FangduError):
    """No such object."""


class Conflict(FangduError):
    """The request clashes with what is stored."""
