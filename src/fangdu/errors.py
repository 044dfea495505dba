"""Errors shared by every bounded context.

FangduError
 ├── InputError            the caller gave something unusable (bad field, bad file)
 │    └── ImageRejected    an image that cannot be read safely; .reason is one line
 ├── NotFound              no such work, prior art or file
 ├── Conflict              the request clashes with what is stored (e.g. a copy of a work)
 └── LedgerError           the evidence log (fangdu.ledger) and its verification
      ├── VerificationError   something does not verify: an entry, note, checkpoint, proof,
      │                       tile or bundle (ledger.entries, .note, .checkpoint, .merkle,
      │                       .tiles, .bundle); the offline verifier reports these
      ├── PolicyError         a verification policy file is unusable
      ├── KeyFileError        a key file is unreadable, malformed or open to others
      ├── TimestampError      an RFC 3161 authority did not give a valid token
      ├── WitnessError        a witness did not cosign (WitnessConflict: it saw another tree)
      ├── WitnessStateError   a witness's own state is unusable
      └── LogConflict         another integrator moved the log meanwhile

The ledger's errors also subclass ValueError or RuntimeError, as they did before this tree.
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


class LedgerError(FangduError):
    """Raised by the evidence log."""


class VerificationError(LedgerError, ValueError):
    """Something in the log or a bundle does not verify; the message says what and where."""
