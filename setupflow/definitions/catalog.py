"""The set of workflow definitions found in the configured folders."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .loader import DefinitionError, LoadedWorkflow, Problem, load_file
from .vocabulary import FILE_NAME as VOCABULARY_FILE
from .vocabulary import Vocabulary, install, load_vocabulary, vocabulary_file

SUFFIXES = (".yaml", ".yml")


def display_path(path: Path) -> str:
    """A file as a person finds it: relative to where they are when it is below it, else in full
    (never ``../..``, which says little about where the file is)."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return str(path) if relative.startswith(os.pardir) else relative


def definition_files(paths) -> list[Path]:
    """The definition files named by ``paths``: files as given, folders searched (not
    recursively), their shared ``vocabulary.yaml`` left out."""
    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.suffix in SUFFIXES and p.is_file()
                                and p.name != VOCABULARY_FILE))
        else:
            files.append(path)
    return files


@dataclass(frozen=True)
class Catalog:
    """Validated definitions by id: the newest file content of each workflow."""

    loaded: dict[str, LoadedWorkflow]
    #: what the definitions share (``vocabulary.yaml``)
    vocabulary: Vocabulary | None = None

    def __contains__(self, workflow_id: str) -> bool:
        return workflow_id in self.loaded

    def get(self, workflow_id: str) -> LoadedWorkflow:
        try:
            return self.loaded[workflow_id]
        except KeyError:
            known = ", ".join(sorted(self.loaded)) or "none"
            raise LookupError(f"unknown workflow '{workflow_id}' (known: {known})") from None

    def __iter__(self):
        return iter(sorted(self.loaded.values(), key=lambda lw: lw.workflow.id))


def load_catalog(paths) -> Catalog:
    """Load every definition and their vocabulary (which becomes the process's); any
    problem in any file raises ``DefinitionError`` with all of them."""
    problems: list[Problem] = []
    loaded: dict[str, LoadedWorkflow] = {}
    where = vocabulary_file(paths)
    vocabulary = load_vocabulary(where, display_path(where))
    categories = vocabulary.category_ids
    files = definition_files(paths)
    for path in files:
        try:
            lw = load_file(path, display_path(path), categories)
        except DefinitionError as exc:
            problems.extend(exc.problems)
            continue
        other = loaded.get(lw.workflow.id)
        if other is not None:
            problems.append(Problem(lw.source, 1, "id", f"workflow '{lw.workflow.id}' is already defined in {other.source}"))
            continue
        loaded[lw.workflow.id] = lw
    if not files:
        problems.append(Problem(", ".join(str(p) for p in paths), None, "", "no workflow definition (*.yaml) found"))
    if problems:
        raise DefinitionError(problems)
    install(vocabulary)
    return Catalog(loaded, vocabulary)
