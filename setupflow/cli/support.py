"""What every command shares: settings, the database, the catalog, errors and JSON."""
from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timezone
from functools import cached_property

import click

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
        from ..schema import current_revision, head_revision

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


def run_cli(group, argv) -> int:
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
        raise
    return code if type(code) is int else 0

