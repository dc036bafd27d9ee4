"""``setupflow calls``: the group and the call commands (commands.py); applications.py
adds the applications, files, scores, ranking and selection to the group, importing
commands, never the reverse."""
from . import applications  # noqa: F401
from .commands import calls

__all__ = ["calls"]
