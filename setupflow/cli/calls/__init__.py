"""``setupflow calls``: the group and the call commands (commands.py); applications.py
adds the applications, files, scores, ranking and selection to the group, outcome.py
the unsuccessful close and the list of every call, reviews.py the conflicts of interest, importing
commands, never the reverse."""
from . import applications  # noqa: F401
from . import outcome  # noqa: F401  (unsuccessful, list)
from . import reviews  # noqa: F401  (conflict)
from .commands import calls

__all__ = ["calls"]
