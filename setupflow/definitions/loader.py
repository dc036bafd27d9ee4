"""Read workflow definition files into validated, immutable ``Workflow`` objects.

Every problem is reported as one line naming the file, the line and the path inside
the document, e.g. ``workflows/x.yaml:42: stages[2].duration.max: must be >= min (3)``.
A file with any problem yields no definition at all: nothing is half-loaded.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ValidationError

from .crosscheck import crosscheck
from .schema import Workflow

# libyaml when available: the same marks (line numbers), several times faster
SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        message = " ".join(self.message.split())  # always one line
        return f"{where}: {self.path}: {message}" if self.path else f"{where}: {message}"


class DefinitionError(Exception):
    """One or more problems in workflow definition files."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class LoadedWorkflow:
    """A validated definition with where it came from and a fingerprint of its content."""

    workflow: Workflow
    source: str
    digest: str

    @property
    def document(self) -> dict:
        return self.workflow.model_dump(mode="json")


def format_path(loc) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif isinstance(part, str) and part.isidentifier():
            out += ("." if out else "") + part
        else:  # a strange key (spaces, line breaks...) is quoted so the line stays one line
            out += f"[{str(part)!r}]"
    return out


class _LineMap:
    """Line numbers (1-based) of every node of a YAML document, by path."""

    def __init__(self, root: yaml.Node | None, file: str):
        self.lines: dict[tuple, int] = {}
        self.problems: list[Problem] = []
        self.file = file
        if root is not None:
            self._walk(root, ())

    def _walk(self, node, path):
        self.lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            seen = set()
            for key_node, value_node in node.value:
                key = key_node.value
                if key in seen:
                    self.problems.append(Problem(self.file, key_node.start_mark.line + 1,
                                                 format_path(path + (key,)), "key given twice"))
                seen.add(key)
                self.lines[path + (key,)] = key_node.start_mark.line + 1
                self._walk(value_node, path + (key,))
                self.lines[path + (key,)] = key_node.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self._walk(item, path + (i,))

    def line_of(self, loc: tuple) -> int | None:
        loc = tuple(loc)
        while loc:
            if loc in self.lines:
                return self.lines[loc]
            loc = loc[:-1]
        return self.lines.get(())


def _pydantic_problems(error: ValidationError, lines: _LineMap) -> list[Problem]:
    problems = []
    for err in error.errors():
        loc = tuple(err["loc"])
        message = err["msg"]
        if message.startswith("Value error, "):
            message = message[len("Value error, "):]
            # model validators say "field: message"; move the field into the path
            head, sep, rest = message.partition(": ")
            if sep and head.replace("_", "").isalnum() and head.islower():
                loc, message = loc + (head,), rest
        if err["type"] == "extra_forbidden":
            message = "unknown key"
        problems.append(Problem(lines.file, lines.line_of(loc), format_path(loc), message))
    return problems


def _aliases(text: str, file: str) -> list[Problem]:
    """Every YAML alias (``*name``, merge keys included), refused: a definition is written
    out in full. An alias repeats a whole subtree, so nine nested ones ("billion laughs")
    turn a kilobyte into billions of nodes for whoever walks the result; refusing them
    keeps the cost of loading proportional to the file. Read from the event stream, which
    never expands anything, before the document is composed."""
    if "*" not in text:
        return []
    return [Problem(file, event.start_mark.line + 1, "",
                    f"YAML aliases are not accepted (*{event.anchor}): write the value out in full")
            for event in yaml.parse(text, Loader=SafeLoader) if isinstance(event, yaml.AliasEvent)][:20]


def _without_unused_later_keys(model: BaseModel, data):
    """Drop from ``data`` (``model`` dumped) the keys marked ``later`` that keep their default."""
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        if (field.json_schema_extra or {}).get("later") and value == field.default:
            data.pop(name, None)
        elif isinstance(value, BaseModel):
            _without_unused_later_keys(value, data[name])
        elif isinstance(value, tuple):
            for item, dumped in zip(value, data[name]):
                if isinstance(item, BaseModel):
                    _without_unused_later_keys(item, dumped)
    return data


def fingerprint(workflow: Workflow) -> str:
    """The digest of a definition's content. Keys added to the schema later count only
    when a definition uses them, so adding a key never changes the fingerprint of a file
    that does not (a stored version would otherwise look edited)."""
    data = _without_unused_later_keys(workflow, workflow.model_dump(mode="json"))
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def parse_yaml(text: str, file: str, what: str = "a workflow definition") -> tuple[dict, "_LineMap"]:
    """YAML text as data, with the line of every path in it; ``DefinitionError`` saying
    where the text is not valid YAML or not a mapping."""
    try:
        aliases = _aliases(text, file)
        if aliases:
            raise DefinitionError(aliases)
        root = yaml.compose(text, Loader=SafeLoader)
        data = yaml.load(text, Loader=SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        if isinstance(exc, yaml.reader.ReaderError):
            line = text.count("\n", 0, exc.position) + 1
            problem = f"character {exc.character!r} is not allowed in YAML"
        else:
            problem = getattr(exc, "problem", None) or str(exc)
        raise DefinitionError([Problem(file, line, "", f"not valid YAML: {problem}")]) from None
    lines = _LineMap(root, file)
    if lines.problems:
        raise DefinitionError(lines.problems)
    if not isinstance(data, dict):
        raise DefinitionError([Problem(file, lines.line_of(()), "", f"{what} is a mapping of keys")])
    return data, lines


def validate(model, data: dict, lines: "_LineMap"):
    """``model`` validated from ``data``; ``DefinitionError`` with the file and line of each problem."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise DefinitionError(_pydantic_problems(exc, lines)) from None


def load_text(text: str, file: str, organisation_categories=None) -> LoadedWorkflow:
    """Validate one definition given as YAML text; raise ``DefinitionError``. With
    ``organisation_categories`` (ids), the ``organisation:<x>`` a reminder is sent to are checked."""
    data, lines = parse_yaml(text, file)
    workflow = validate(Workflow, data, lines)
    problems = [Problem(file, lines.line_of(loc), format_path(loc), msg)
                for loc, msg in crosscheck(workflow, organisation_categories)]
    if problems:
        raise DefinitionError(problems)
    return LoadedWorkflow(workflow, file, fingerprint(workflow))


def load_file(path: Path, display: str | None = None, organisation_categories=None) -> LoadedWorkflow:
    display = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DefinitionError([Problem(display, None, "", f"cannot read: {exc}")]) from None
    return load_text(text, display, organisation_categories)


def load_document(document: dict, source: str) -> LoadedWorkflow:
    """Rebuild a definition from its stored JSON form (a site's snapshot)."""
    try:
        workflow = Workflow.model_validate(document)
    except ValidationError as exc:
        raise DefinitionError(_pydantic_problems(exc, _LineMap(None, source))) from None
    return LoadedWorkflow(workflow, source, fingerprint(workflow))
