"""The building blocks every part of a definition uses."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

Identifier = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)


class Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Frozen):
    """A text in both languages of the product."""

    fr: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.fr
