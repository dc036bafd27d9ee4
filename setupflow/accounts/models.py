"""Accounts, their site assignments, password-reset tokens and failed logins."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, UTCDateTime

#: ``applicant``: a candidate who applies to open calls itself; rights on its own applications only
ROLES = ("admin", "cress", "lead", "sponsor", "partner", "applicant")
LANGUAGES = ("fr", "en")


class User(Base):
    """A person who logs in. Linked to a Person of a site's team file by e-mail."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('admin', 'cress', 'lead', 'sponsor', 'partner', 'applicant')", name="role"),
        CheckConstraint("language IN ('fr', 'en')", name="language"),
        # a unique index, not a constraint: SQLite adds it without rebuilding the table
        Index("ix_users_oidc_issuer_oidc_subject", "oidc_issuer", "oidc_subject", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the login, stored lower-case; unique
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    #: argon2id hash (argon2-cffi's encoded form, parameters included)
    password_hash: Mapped[str] = mapped_column(String(255))
    #: admin | cress | lead | sponsor | partner | applicant
    role: Mapped[str] = mapped_column(String(20))
    #: for Cress staff: the region whose sites they follow (matches ``Site.region``)
    region: Mapped[str | None] = mapped_column(String(100))
    #: preferred language of the interface and of the e-mails: fr | en
    language: Mapped[str] = mapped_column(String(2), default="fr", server_default="fr")
    #: a disabled account cannot log in and its live sessions stop working
    is_active: Mapped[bool] = mapped_column(default=True, server_default=text("true"))
    #: part of every session cookie; bumped on logout, password change and disabling,
    #: which revokes every live session of the account
    session_version: Mapped[int] = mapped_column(default=1, server_default=text("1"))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    last_login_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the OpenID Connect provider (its issuer URL) the account is linked to, e.g. ProConnect
    oidc_issuer: Mapped[str | None] = mapped_column(String(300))
    #: the provider's subject (``sub``) for this person: once linked, it identifies them, not the e-mail
    oidc_subject: Mapped[str | None] = mapped_column(String(255))
    oidc_linked_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    sites: Mapped[list["UserSite"]] = relationship(back_populates="user", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"


class UserSite(Base):
    """A user assigned to a site (leads, sponsors, partners; Cress staff outside their region)."""

    __tablename__ = "user_sites"
    __table_args__ = (UniqueConstraint("user_id", "site_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    assigned_dt: Mapped[datetime] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="sites")


class PasswordResetToken(Base):
    """A single-use, expiring password-reset token; only its SHA-256 is stored."""

    __tablename__ = "password_reset_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: hex SHA-256 of the token sent by e-mail
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    #: set when the token is used; a used token never works again
    used_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LoginFailure(Base):
    """A failed login for an e-mail (known or not), for rate limiting across workers."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_email_at", "email", "at_dt"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the e-mail as typed, lower-cased (accounts that do not exist are counted too)
    email: Mapped[str] = mapped_column(String(254))
    at_dt: Mapped[datetime] = mapped_column(UTCDateTime)


class ProConnectRole(Base):
    """A role whose accounts must sign in with ProConnect: their password login is refused
    (only while ProConnect is configured, so that an installation without it locks no one out)."""

    __tablename__ = "proconnect_roles"
    __table_args__ = (
        CheckConstraint("role IN ('admin', 'cress', 'lead', 'sponsor', 'partner', 'applicant')", name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[str] = mapped_column(String(20), unique=True)
    since_dt: Mapped[datetime] = mapped_column(UTCDateTime)
class RateLimit(Base):
    """A counter of attempts per key (``login:<e-mail>``, ``reset:<e-mail>``,
    ``reset-ip:<address>``) within a window, counted by one atomic statement
    (``accounts.throttle.hit``): parallel requests cannot all read "under the limit"."""

    __tablename__ = "rate_limits"

    #: what is limited and for whom (an e-mail address or a client's IP address)
    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    hits: Mapped[int] = mapped_column(default=0)


from ..audit import listener as _audit  # noqa: E402,F401  (changes to accounts are audited)
