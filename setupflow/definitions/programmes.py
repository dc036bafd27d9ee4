"""Read programme definitions (workflows/programmes/*.yaml) into frozen ``Programme`` objects,
with the same file:line problems as the site definitions; any problem in any file
yields no catalogue at all."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from .catalog import SUFFIXES, display_path
from .loader import DefinitionError, Problem, format_path, parse_yaml, validate
from .programme import Programme, crosscheck_programme

#: the sub-folder of a workflows folder that holds programme definitions
FOLDER = "programmes"


@dataclass(frozen=True)
class LoadedProgramme:
    programme: Programme
    source: str
    digest: str


def load_programme_text(text: str, file: str) -> LoadedProgramme:
    """Validate one programme definition given as YAML text (the site definitions' YAML rules:
    aliases refused, a line for every problem); raise ``DefinitionError``."""
    data, lines = parse_yaml(text, file, "a programme definition")
    programme = validate(Programme, data, lines)
    problems = [Problem(file, lines.line_of(loc), format_path(loc), msg) for loc, msg in crosscheck_programme(programme)]
    if problems:
        raise DefinitionError(problems)
    canonical = json.dumps(programme.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return LoadedProgramme(programme, file, hashlib.sha256(canonical.encode()).hexdigest()[:16])


def programme_files(paths) -> list[Path]:
    """Programme files: files inside a ``programmes`` folder; for a folder, its ``programmes/`` sub-folder (or the
    folder itself when it is named ``programmes``)."""
    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            folder = path if path.name == FOLDER else path / FOLDER
            if folder.is_dir():
                files.extend(sorted(p for p in folder.iterdir() if p.suffix in SUFFIXES and p.is_file()))
        elif path.parent.name == FOLDER:
            files.append(path)
    return files


@dataclass(frozen=True)
class ProgrammeCatalog:
    loaded: dict[str, LoadedProgramme]

    def __contains__(self, programme_id) -> bool:
        return programme_id in self.loaded

    def get(self, programme_id: str) -> Programme:
        try:
            return self.loaded[programme_id].programme
        except KeyError:
            known = ", ".join(sorted(self.loaded)) or "none"
            raise LookupError(f"unknown programme '{programme_id}' (known: {known})") from None

    def __iter__(self):
        return iter(sorted((lp.programme for lp in self.loaded.values()), key=lambda p: p.id))


def load_programmes(paths) -> ProgrammeCatalog:
    problems: list[Problem] = []
    loaded: dict[str, LoadedProgramme] = {}
    for path in programme_files(paths):
        source = display_path(path)
        try:
            text = path.read_text(encoding="utf-8")
            lp = load_programme_text(text, source)
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(source, None, "", f"cannot read: {exc}"))
            continue
        except DefinitionError as exc:
            problems.extend(exc.problems)
            continue
        other = loaded.get(lp.programme.id)
        if other is not None:
            problems.append(Problem(source, 1, "id", f"programme '{lp.programme.id}' is already defined in "
                                                     f"{other.source}"))
            continue
        loaded[lp.programme.id] = lp
    if problems:
        raise DefinitionError(problems)
    return ProgrammeCatalog(loaded)
