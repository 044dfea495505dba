"""An application for registration as a person files it: one schema and one set of limits for
the web form, the API and the registry's own check of every filing.

Strict: a date is an ISO date (not a number of seconds), a category is one of ours, and every
text is free of the invisible characters that would make a signed log entry or a certificate
read differently from what was filed.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)
from pydantic_core import PydanticCustomError

from fangdu.registry.schemas import RegistrationRequest

# One set of limits, also the registry's (``services._check_request``).
MAX_TITLE = 200
MAX_NAME = 200  # owner and designers, as parties' names are stored
MAX_COLOURWAY = 100
MAX_TEXT = 4000  # description and originality statement
MAX_NAMES = 20  # designers or colourways in one application
CATEGORIES = ("floral", "geometric", "paisley", "animal", "abstract", "ethnic", "novelty", "other")
Category = Literal[
    "floral", "geometric", "paisley", "animal", "abstract", "ethnic", "novelty", "other"
]

# Control characters and bidirectional overrides (U+202E flips the text that follows).
HIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_LINE_BREAKS = re.compile("[\n\t]")


def visible(text: str) -> str:
    if HIDDEN.search(text):
        raise PydanticCustomError(
            "hidden_characters", "contains control or text-direction characters"
        )
    return text


def visible_paragraphs(text: str) -> str:
    """Long texts may have line breaks and tabs; nothing else invisible."""
    visible(_LINE_BREAKS.sub(" ", text))
    return text


def iso_date(value: Any) -> Any:
    """Only an ISO date (or a date): not a timestamp, not 'tomorrow'."""
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise PydanticCustomError("date_format", "not a date like 2026-03-01") from None
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise PydanticCustomError("date_format", "not a date like 2026-03-01")
    return value


def keqiao_today() -> dt.date:
    """Keqiao is UTC+8: "today" there may already be tomorrow in UTC."""
    return (dt.datetime.now(dt.UTC) + dt.timedelta(hours=8)).date()


def _not_future(day: dt.date) -> dt.date:
    if day > keqiao_today():
        raise PydanticCustomError(
            "future_date", "the date {day} is in the future", {"day": day.isoformat()}
        )
    return day


Title = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TITLE),
    AfterValidator(visible),
]
Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_NAME),
    AfterValidator(visible),
]
Colourway = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_COLOURWAY),
    AfterValidator(visible),
]
Text = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=MAX_TEXT),
    AfterValidator(visible_paragraphs),
]
Day = Annotated[dt.date, BeforeValidator(iso_date), AfterValidator(_not_future)]


class ApplicationIn(BaseModel):
    """What an applicant files with the image. The form and the API both validate this."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    title: Title
    owner: Name
    designers: list[Name] = Field(default_factory=list, max_length=MAX_NAMES)
    created_on: Day = Field(description="when the design was created (ISO date)")
    published_on: Day | None = Field(default=None, description="first publication, if any")
    category: Category | None = None
    colourways: list[Colourway] = Field(default_factory=list, max_length=MAX_NAMES)
    description: Text | None = Field(default=None, description="how the design was made")
    originality_statement: Annotated[Text, StringConstraints(min_length=1)] = Field(
        description="the applicant's statement that the design is their own"
    )

    @model_validator(mode="after")
    def _published_after_created(self) -> ApplicationIn:
        if self.published_on is not None and self.published_on < self.created_on:
            raise PydanticCustomError(
                "published_before_created", "the design cannot be published before it was created"
            )
        return self

    def to_request(self, submitted_by: str | None) -> RegistrationRequest:
        return RegistrationRequest(
            title=self.title,
            owner=self.owner,
            designers=tuple(dict.fromkeys(self.designers)),
            created_on=self.created_on,
            published_on=self.published_on,
            category=self.category,
            colourways=tuple(dict.fromkeys(self.colourways)),
            description=self.description or None,
            originality_statement=self.originality_statement,
            submitted_by=submitted_by,
        )
