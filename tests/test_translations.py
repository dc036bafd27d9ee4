"""Every English msgid of the web app has a French translation, and the committed
messages.mo matches messages.po (run scripts/translations after changing texts)."""
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from setupflow.refusals import MESSAGES

WEB = Path(__file__).resolve().parent.parent / "web"
CATALOGUE = WEB / "translations" / "fr" / "LC_MESSAGES"


def msgids() -> set[str]:
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(str(WEB), method_map, keywords=keywords):
        found.add(message if isinstance(message, str) else message[0])
    # the engine's refusal templates (setupflow/refusals.py) are translated in the same catalogue
    found.update(MESSAGES.values())
    return found


def _plain(value):
    """A message id or translation as a hashable value (plural forms come as lists or tuples)."""
    return tuple(value) if isinstance(value, (list, tuple)) else value


def _singular(value):
    return value[0] if isinstance(value, (list, tuple)) else value


def _translated(value) -> bool:
    return all(value) if isinstance(value, (list, tuple)) else bool(value)


def test_every_msgid_has_a_french_translation():
    with open(CATALOGUE / "messages.po", "rb") as fh:
        po = {_singular(m.id): _translated(m.string) for m in read_po(fh) if m.id}
    ids = msgids()
    assert len(ids) > 100
    missing = sorted(i for i in ids if not po.get(i))
    assert not missing, f"no French translation (run scripts/translations, then translate): {missing}"


def test_the_compiled_catalogue_matches_the_po_file():
    with open(CATALOGUE / "messages.po", "rb") as fh:
        po = {_plain(m.id): _plain(m.string) for m in read_po(fh) if m.id}
    with open(CATALOGUE / "messages.mo", "rb") as fh:
        mo = {_plain(m.id): _plain(m.string) for m in read_mo(fh) if m.id}
    assert mo == po
