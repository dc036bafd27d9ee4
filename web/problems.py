"""Engine refusals in the reader's language. The engine's messages (English, "field: what
is wrong") stay the reference; the common ones get a translated sentence, the rest are
shown as they are."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

PATTERNS = (
    (re.compile(r"^decision '[^']+' is already taken"),
     _l("This decision is already taken: give a reason to replace it.")),
    (re.compile(r"^decision '[^']+' needs a value"), _l("Give a value for the decision.")),
    (re.compile(r"^decision '[^']+': '.*' is not one of"), _l("Choose one of the values offered.")),
    (re.compile(r"is not a date \(YYYY-MM-DD\)"), _l("A date is not valid (expected YYYY-MM-DD).")),
    (re.compile(r"^task '[^']+': met by the work itself"),
     _l("This task is met by the work itself (diagnostic, calls, support, budget pages): it cannot be ticked by hand.")),
    (re.compile(r"^task: unknown task"), _l("This task is not part of the site's method.")),
    (re.compile(r"^name: a site needs a name"), _l("Give the site a name.")),
    (re.compile(r"^opening: .* must come after the start"), _l("The target opening must come after the start.")),
    (re.compile(r"^reason: "), _l("Give a reason.")),
    (re.compile(r"^email: an account already exists"), _l("An account already exists for this e-mail address.")),
    (re.compile(r"^email: .* is not an e-mail address"), _l("This is not an e-mail address.")),
)


def explain(exc: Exception) -> str:
    message = str(exc)
    for pattern, text in PATTERNS:
        if pattern.search(message):
            return str(text)
    return message
