"""What every command shares: settings, the database, the catalog, errors and JSON."""
from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timezone
from functools import cached_property

import click

from ..clock import use_timezone
from ..config import Settings
from ..errors import SetupflowError

EXIT_BAD_INPUT = 2
#: the options most commands share, defined once
AS_OPTION = click.option("--as", "actor", metavar="NAME", help="Who acts, for the history (default: cli).")
JSON_OPTION = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


class CliError(click.ClickException):
    exit_code = EXIT_BAD_INPUT

    def show(self, file=None):
        click.echo(f"error: {self.format_message()}", err=True)


@dataclass
class Runtime:
    settings: Settings

    @cached_property
    def engine(self):
        from ..db import make_engine

        return make_engine(self.settings.database_url)

    @cached_property
    def session_factory(self):
        from ..db import make_session_factory

        return make_session_factory(self.engine)

    @cached_property
    def catalog(self):
        from ..definitions import load_catalog

        return load_catalog(self.settings.workflow_dirs)

    @contextmanager
    def transaction(self):
        from ..db import transaction

        self.require_schema()
        with transaction(self.session_factory) as session:
            session.info.setdefault("actor", "cli")  # for the audit log of accounts and people
            yield session

    def require_schema(self):
        from ..migrate import current_revision, head_revision

        current = current_revision(self.engine)
        if current != head_revision():
            if current is None:
                raise CliError("the database is empty: run `setupflow init` first")
            raise CliError(f"the database schema is at {current}, the code expects {head_revision()}: "
                           "run `setupflow init` to upgrade it")


def runtime() -> Runtime:
    ctx = click.get_current_context()
    root = ctx.find_root()
    if root.obj is None:
        root.obj = Runtime(Settings.from_env())
        try:
            use_timezone(root.obj.settings.timezone)
        except ValueError as exc:
            raise CliError(f"SETUPFLOW_TIMEZONE: {exc}") from None
    return root.obj


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


def actor_from(name: str | None):
    from ..sites.operations import Actor

    return Actor(name=name or "cli", is_manager=True)


def _default(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def echo_json(data) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=_default))


def _argument_problem(argv) -> str | None:
    """The edge's text rule on every argument: a control character in an option is refused
    before any command runs (it would otherwise reach the database or a document)."""
    from ..inputs import problem_in

    for position, arg in enumerate(argv, start=1):
        code = problem_in(arg)
        if code is not None:
            from ..refusals import english

            bad = next(c for c in arg if problem_in(c))
            return f"argument {position}: {english(code, {'character': f'U+{ord(bad):04X}'})}"
    return None


def log_unexpected(exc: BaseException, argv) -> str:
    """Write the traceback of an unexpected failure to ``<data dir>/logs/cli.log`` (or, when
    that cannot be written, to the standard error logger) and say where it went."""
    import logging
    import traceback
    from datetime import datetime, timezone
    from pathlib import Path

    details = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    try:
        data_dir = Path(Settings.from_env().data_dir)
        path = data_dir / "logs" / "cli.log"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            fh.write(f"--- {datetime.now(timezone.utc).isoformat()} setupflow {' '.join(argv)}\n{details}\n")
        return str(path)
    except Exception:  # a read-only or missing data directory: the logger still gets it
        logging.getLogger("setupflow.cli").error("setupflow %s failed:\n%s", " ".join(argv), details)
        return "the error log (standard error)"


def run_cli(group, argv) -> int:
    argv = list(argv)
    problem = _argument_problem(argv)
    if problem is not None:
        click.echo(f"error: {problem}", err=True)
        return EXIT_BAD_INPUT
    try:
        # without standalone mode, click returns the code of an ``Exit`` instead of raising it
        code = group.main(args=argv, prog_name="setupflow", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 1
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except Exception as exc:
        # the definition loader (pydantic: ~150 ms to import) is not imported for `--help`;
        # a DefinitionError can only come from a command that imported it
        loader = sys.modules.get("setupflow.definitions.loader")
        if loader is not None and isinstance(exc, loader.DefinitionError):
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            return EXIT_BAD_INPUT
        if isinstance(exc, SetupflowError):
            click.echo(f"error: {exc}", err=True)
            return EXIT_BAD_INPUT
        # anything else is a failure of ours, not of the input: one line, the details in a log
        where = log_unexpected(exc, argv)
        command = " ".join(a for a in argv[:2] if not a.startswith("-")) or "setupflow"
        click.echo(f"error: '{command}' failed unexpectedly ({type(exc).__name__}); nothing was changed by "
                   f"the failed step; details were written to {where}", err=True)
        return 1
    return code if type(code) is int else 0

