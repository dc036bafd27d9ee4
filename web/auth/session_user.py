"""The logged-in person as Flask-Login sees it: a thin wrapper around ``User``.

Its id carries the account's ``session_version``: logging out, changing the password or
disabling the account bumps the version, so every older cookie stops working.
"""
from __future__ import annotations

from flask_login import UserMixin, current_user

from setupflow.accounts.models import User


class SessionUser(UserMixin):
    def __init__(self, user: User):
        self.user = user

    def get_id(self) -> str:
        return f"{self.user.id}:{self.user.session_version}"

    @property
    def is_active(self) -> bool:
        return self.user.is_active

    def __getattr__(self, name):
        return getattr(self.user, name)


def current_account() -> User:
    return current_user.user
