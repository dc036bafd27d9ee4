"""``setupflow calls``: the group and its call commands (commands.py), the applications,
files, scores and selection (applications.py)."""
from .commands import calls

__all__ = ["calls"]
