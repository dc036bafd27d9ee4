"""The vocabulary the definitions of a folder share, as data: ``vocabulary.yaml`` beside
them (not a definition itself). Today it names the categories of organisations around a
project (the EP, the SPIP, the DDETS...): the team's organisations have one, and a
reminder rule may be sent to ``organisation:<category>``.

``load_catalog`` loads it from the first folder of definitions that has one, else the
shipped one, checks every definition's reminders against it, and makes it the process's
vocabulary (``current``), which the team and its documents read.
"""
from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator

from .loader import DefinitionError, Problem, parse_yaml, validate
from .schema_base import Frozen, Text

FILE_NAME = "vocabulary.yaml"


class OrganisationCategory(Frozen):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=30)
    label: Text


class Vocabulary(Frozen):
    organisation_categories: tuple[OrganisationCategory, ...] = Field(min_length=1)

    @field_validator("organisation_categories")
    @classmethod
    def _unique_ids(cls, categories):
        seen = set()
        for i, category in enumerate(categories):
            if category.id in seen:
                raise ValueError(f"organisation_categories[{i}].id: '{category.id}' is used twice")
            seen.add(category.id)
        return categories

    @property
    def category_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.organisation_categories)

    def category(self, category_id: str) -> OrganisationCategory:
        for category in self.organisation_categories:
            if category.id == category_id:
                return category
        raise KeyError(category_id)

    def category_label(self, category_id: str, lang: str) -> str:
        """A category's label; the id itself for a category no longer in the vocabulary."""
        try:
            return self.category(category_id).label.get(lang)
        except KeyError:
            return category_id


def load_vocabulary(path: Path, display: str | None = None) -> Vocabulary:
    display = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DefinitionError([Problem(display, None, "", f"cannot read: {exc}")]) from None
    data, lines = parse_yaml(text, display, what="a vocabulary")
    return validate(Vocabulary, data, lines)


def vocabulary_file(paths) -> Path:
    """The vocabulary of the definitions named by ``paths``: the first folder's (or a
    file's folder's) ``vocabulary.yaml``, else the one shipped with setupflow."""
    for path in map(Path, paths):
        folder = path if path.is_dir() else path.parent
        if (folder / FILE_NAME).is_file():
            return folder / FILE_NAME
    from ..config import method_folder

    return method_folder("workflows") / FILE_NAME


_current: dict[str, Vocabulary] = {}


def install(vocabulary: Vocabulary) -> None:
    """Make ``vocabulary`` the process's (``load_catalog`` does)."""
    _current["vocabulary"] = vocabulary


def current() -> Vocabulary:
    """The process's vocabulary: the last catalog's, else the shipped one."""
    found = _current.get("vocabulary")
    if found is None:
        found = _current["vocabulary"] = load_vocabulary(vocabulary_file(()))
    return found
