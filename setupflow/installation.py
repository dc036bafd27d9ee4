"""The installation's secret, and what is derived from it.

One secret per installation: ``SETUPFLOW_SECRET_KEY``, else generated once and kept (mode
0600) in the data directory. The web app signs its sessions with it; the engine derives
from it (a different key for each use, so that no use can stand in for another):

- ``seal`` / ``unseal``: a secret that must wait in the database to be sent (the link of a
  password-reset e-mail in the outbox) is kept encrypted and authenticated (Fernet), and
  erased once sent;
- ``sign`` / ``signature_matches``: the HMAC-SHA256 of an export, so that a file from
  another installation, or edited by hand, is recognised as foreign.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from .config import Settings


def installation_secret(settings: Settings) -> str:
    """From the settings, else generated once and kept (mode 0600) in the data dir."""
    if settings.secret_key:
        return settings.secret_key
    path = Path(settings.data_dir) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process wrote it first: use theirs
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def _derived(settings: Settings, purpose: str) -> bytes:
    return hmac.new(installation_secret(settings).encode(), purpose.encode(), hashlib.sha256).digest()


def _fernet(settings: Settings):
    from cryptography.fernet import Fernet

    return Fernet(base64.urlsafe_b64encode(_derived(settings, "setupflow outbox secrets")))


def seal(settings: Settings, text: str) -> str:
    return _fernet(settings).encrypt(text.encode()).decode("ascii")


def unseal(settings: Settings, sealed: str) -> str | None:
    """The sealed text, or None when it was sealed by another installation or altered."""
    from cryptography.fernet import InvalidToken

    try:
        return _fernet(settings).decrypt(sealed.encode("ascii")).decode()
    except (InvalidToken, ValueError):
        return None


def sign(settings: Settings, data: bytes) -> str:
    return hmac.new(_derived(settings, "setupflow export signature"), data, hashlib.sha256).hexdigest()


def signature_matches(settings: Settings, data: bytes, signature: str | None) -> bool:
    return bool(signature) and hmac.compare_digest(sign(settings, data), str(signature))
