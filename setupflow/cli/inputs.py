"""The CLI side of the input edge: click parameter types over ``setupflow.inputs``.

A value the edge refuses raises its structured ``InputError`` naming the option
(``--opening``), which ``run_cli`` prints as one line and exits 2, like every refusal. The
conversion is lazy in imports: ``--help`` stays fast.
"""
from __future__ import annotations

import click


class _Edge(click.ParamType):
    parse = None

    def convert(self, value, param, ctx):
        from .. import inputs

        if value is None:
            return None
        field = (param.opts[0] if param is not None and param.opts else (param.name if param else "value"))
        return getattr(inputs, self.parse)(value, field)


class DayType(_Edge):
    name, parse = "YYYY-MM-DD", "day"


class InstantType(_Edge):
    name, parse = "YYYY-MM-DDTHH:MM", "instant"


class AmountType(_Edge):
    name, parse = "amount", "amount"


class EmailType(_Edge):
    name, parse = "e-mail", "email"


class TimeType(_Edge):
    name = "HH:MM"

    def convert(self, value, param, ctx):
        from .. import inputs

        if value is None:
            return None
        field = param.opts[0] if param is not None and param.opts else "value"
        return inputs.clock_time(value, field).strftime("%H:%M")


class WholeType(_Edge):
    """A whole number in ASCII digits: click's ``int`` accepts '١٢٣' (and Python's int() '1_000')."""
    name, parse = "integer", "whole"


DAY, INSTANT, AMOUNT, EMAIL, TIME = DayType(), InstantType(), AmountType(), EmailType(), TimeType()
WHOLE = WholeType()

def checked_text(text: str, option: str) -> str:
    """A text read from a file or standard input, through the edge's text rule (the
    arguments themselves are checked by ``run_cli``)."""
    from .. import inputs

    return inputs.text(text, option, strip=False)


#: every CLI command that writes a CSV: the machine form by default (``setupflow.csvfile``)
CSV_FORM_OPTION = click.option("--form", "csv_form", type=click.Choice(["machine", "people"]), default="machine",
                               show_default=True,
                               help="machine: comma, ISO dates, UTC; people: semicolon, UTF-8 with BOM, "
                                    "French dates and local times, decimal comma.")
