"""Statements run at every step of the hottest paths, compiled once per database.

``Connection.execute(statement)`` looks the compiled form up in SQLAlchemy's cache (which
means computing the statement's cache key), builds an execution context that processes
every parameter, and sets up a typed result, each time. For the two writes of a recorded
change (the site's versioned UPDATE and its history INSERT) that was about 0.1 ms of a
persisted advance's 0.6 ms of CPU on SQLite (measured 2026-12-02, ``benchmarks/advance.py``).

``Prepared`` compiles its statement once per dialect and sends it with
``Connection.exec_driver_sql``: the same SQL text, and the same values, each passed
through its type's bind processor (``TypeEngine.bind_processor`` of its dialect implementation), as ``execute`` would
send. SQLAlchemy's events still see the statement (``before_cursor_execute``: statement
counts, fault injection). A SELECT's row is read with ``first``, each value through its column type's
result processor (``TypeEngine.result_processor``), as ``execute`` gives it; any other
answer is read as the cursor gives it (a row count, the last row id, a returned id). Never
for a statement with a column default to compute at execution (refused when it is
compiled).
"""
from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection, CursorResult


class Prepared:
    """``statement`` (for an INSERT or UPDATE without values of its own, ``keys``: the
    columns each execution gives) compiled once per database, run by ``execute``."""

    def __init__(self, statement, keys: tuple[str, ...] = ()):
        self.statement, self.keys = statement, tuple(keys)
        self._compiled: dict[tuple[str, str], _Compiled] = {}

    def _for(self, dialect) -> _Compiled:
        key = (dialect.name, dialect.paramstyle)
        found = self._compiled.get(key)
        if found is None:
            compiled = self.statement.compile(dialect=dialect, column_keys=list(self.keys) or None)
            if compiled.insert_prefetch or compiled.update_prefetch:
                raise ValueError(f"{self.statement}: a column default is computed at execution; "
                                 "run it with Connection.execute")
            found = self._compiled[key] = _Compiled(compiled, dialect, getattr(self.statement, "selected_columns", ()))
        return found

    def execute(self, connection: Connection, params: dict[str, Any]) -> CursorResult:
        compiled = self._for(connection.dialect)
        return connection.exec_driver_sql(compiled.sql, compiled.values(params))

    def first(self, connection: Connection, params: dict[str, Any]) -> tuple | None:
        """The first row of a SELECT, typed as ``Connection.execute`` types it, or None."""
        compiled = self._for(connection.dialect)
        row = connection.exec_driver_sql(compiled.sql, compiled.values(params)).fetchone()
        return None if row is None else tuple(_value(process, value) for process, value in zip(compiled.results, row))


class _Compiled:
    """A statement's SQL for one database, how to make its parameters (the values the
    statement was built with, a definition's keys..., processed once; the others at each
    execution) and how to type a row it returns."""

    def __init__(self, compiled, dialect, columns):
        self.sql = compiled.string
        #: a SELECT's columns' result processors, as ``Connection.execute`` types its rows
        self.results = tuple(column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns)
        self.processors, fixed, self.required = {}, {}, set()
        for name, bind in compiled.binds.items():
            process = self.processors[name] = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if bind.required:
                self.required.add(name)
            else:
                fixed[name] = _value(process, bind.effective_value)
        self.order = tuple(compiled.positiontup) if compiled.positional else None
        if self.order is None:
            self.fixed = fixed
        else:  # positional: the list of values in order, and where each name stands in it
            self.fixed = [fixed.get(name) for name in self.order]
            self.positions: dict[str, list[int]] = {}
            for i, name in enumerate(self.order):
                self.positions.setdefault(name, []).append(i)

    def values(self, params: dict[str, Any]):
        missing = self.required.difference(params)
        if missing:
            raise KeyError(f"no value for the bound parameter(s) {', '.join(sorted(missing))}")
        processors = self.processors
        if self.order is None:
            values = dict(self.fixed)
            for name, value in params.items():
                if name in processors:
                    values[name] = _value(processors[name], value)
            return values
        values = list(self.fixed)
        for name, value in params.items():
            for i in self.positions.get(name, ()):
                values[i] = _value(processors[name], value)
        return tuple(values)


def _value(process, value):
    return value if process is None else process(value)  # None too, as SQLAlchemy does (JSON: 'null')
