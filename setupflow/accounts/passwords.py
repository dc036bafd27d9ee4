"""Password hashing (argon2id) and the password policy."""
from __future__ import annotations

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from ..errors import InputError

MIN_LENGTH = 10
MAX_LENGTH = 256

_hasher = PasswordHasher(type=Type.ID)

#: Passwords of ten characters or more that top the public leak lists; refused outright.
COMMON_PASSWORDS = frozenset("""
1234567890 12345678910 0123456789 1234567891 1q2w3e4r5t qwertyuiop azertyuiop 1qaz2wsx3edc
password12 password123 password1234 passw0rd123 motdepasse motdepasse1 motdepasse123
iloveyou12 abcdefghij abc1234567 qwerty1234 qwerty12345 azerty1234 azerty12345 aaaaaaaaaa
0000000000 1111111111 9876543210 football12 baseball12 sunshine12 princess12 welcome123
administrator admin12345 letmein123 changeme123 trustno1234 dragon1234 monkey1234
soleil1234 doudou1234 chouchou12 bonjour123 marseille13 loulou1234 setupflow1 setupflow123
""".split())

_HASH_OF_NOTHING = _hasher.hash("an unused password to spend the same time on unknown accounts")


def use_hasher(hasher: PasswordHasher) -> PasswordHasher:
    """Hash and verify with ``hasher`` from now on in this process; returns the one before.
    The test suite uses argon2-cffi's CHEAPEST profile (the same argon2id code, cheap cost
    parameters, which travel inside each hash); servers keep the default."""
    global _hasher, _HASH_OF_NOTHING
    before, _hasher = _hasher, hasher
    _HASH_OF_NOTHING = hasher.hash("an unused password to spend the same time on unknown accounts")
    return before


def check_policy(password: str, email: str | None = None) -> None:
    """Raise ``InputError`` saying why ``password`` is refused."""
    if not isinstance(password, str) or len(password) < MIN_LENGTH:
        raise InputError(code="password.too_short", field="password", limit=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        raise InputError(code="password.too_long", field="password", limit=MAX_LENGTH)
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(password)) < 3:
        raise InputError(code="password.too_common", field="password")
    if email and lowered == email.lower():
        raise InputError(code="password.same_as_email", field="password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; spends the same time when there is no hash."""
    try:
        return _hasher.verify(password_hash or _HASH_OF_NOTHING, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
