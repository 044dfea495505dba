"""The disputes context's refusal: one line, bad input to the command (CLI exit 2, HTTP 409)."""

from __future__ import annotations

from fangdu.errors import InputError


class Refused(InputError):
    """A rule says no; the message names the rule (and the article it comes from)."""
