"""The dated list of export-banned or restricted goods (rule REG-EXCL-LIST), kept as data.

The shipped list is empty on purpose: no source at hand names woven fabrics of chapters 52-55
as banned or restricted, and the list must come from the current official catalogues. An
operator passes its own file (same shape) with ``--exclusions``.
"""

from __future__ import annotations

import datetime as dt
import json
from importlib.resources import files
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ExclusionList", "load_exclusions"]


class ExclusionList(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    as_of: dt.date
    source: str = Field(min_length=1)
    prefixes: tuple[str, ...] = ()  # code prefixes (2 to 10 digits)

    def match(self, code: str) -> str | None:
        """The listed prefix that covers this code, if any."""
        return next((p for p in self.prefixes if code.startswith(p)), None)


def load_exclusions(path: Path | None = None) -> ExclusionList:
    if path is None:
        text = files("fangdu.trade").joinpath("data/excluded_goods.json").read_text("utf-8")
    else:
        text = path.read_text(encoding="utf-8")
    return ExclusionList.model_validate(json.loads(text))
