"""Settings, read from the environment with defaults that work on a fresh machine.

Every setting has an environment variable; tests build a ``Settings`` directly.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .clock import DEFAULT_TIMEZONE

#: the workflow a new site follows unless someone picks another (``SETUPFLOW_DEFAULT_WORKFLOW``)
DEFAULT_WORKFLOW = "cress-disp"

PACKAGE_DIR = Path(__file__).resolve().parent


def method_folder(name: str) -> Path:
    """Where the shipped ``workflows`` or ``templates`` folder is.

    An installed wheel carries them in ``setupflow/_data``; a source checkout (or an
    editable install) has them next to the package. Never the current directory.
    """
    installed = PACKAGE_DIR / "_data" / name
    if installed.is_dir():
        return installed
    return PACKAGE_DIR.parent / name


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "setupflow"


def _paths(value: str | None, default: Path) -> tuple[Path, ...]:
    if not value:
        return (default,)
    return tuple(Path(p).expanduser() for p in value.split(os.pathsep) if p)


@dataclass(frozen=True)
class Settings:
    database_url: str
    workflow_dirs: tuple[Path, ...]
    templates_dir: Path
    data_dir: Path
    #: the installation's time zone (a site overseas follows its department's: ``clock``)
    timezone: str = DEFAULT_TIMEZONE
    #: the definition offered first for a new site, and the demo's
    default_workflow: str = DEFAULT_WORKFLOW
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_security: str = "none"  # none | starttls | ssl
    smtp_user: str | None = None
    smtp_password: str | None = None
    mail_sender: str = "setupflow@localhost"
    base_url: str = "http://127.0.0.1:5000"
    secret_key: str | None = None
    #: days after the end of a finished project (or someone leaving it) before people are anonymised
    retention_days: int = 730
    #: how many reverse proxies in front of the web app set X-Forwarded-For/-Proto/-Host/-Port
    #: (0: none, the headers are ignored; see the README, "Security and data protection")
    proxy_hops: int = 0
    #: OpenID Connect sign-in (ProConnect): the issuer whose discovery document is read, the
    #: client registered there and the algorithm it signs ID tokens and userinfo with; unset = no button
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    oidc_algorithm: str = "RS256"
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env
        data_dir = Path(env.get("SETUPFLOW_DATA_DIR") or default_data_dir())
        database_url = env.get("SETUPFLOW_DATABASE_URL") or f"sqlite:///{data_dir / 'setupflow.db'}"
        return cls(
            database_url=database_url,
            workflow_dirs=_paths(env.get("SETUPFLOW_WORKFLOWS_DIR"), method_folder("workflows")),
            templates_dir=Path(env.get("SETUPFLOW_TEMPLATES_DIR") or method_folder("templates")),
            data_dir=data_dir,
            timezone=env.get("SETUPFLOW_TIMEZONE") or DEFAULT_TIMEZONE,
            default_workflow=env.get("SETUPFLOW_DEFAULT_WORKFLOW") or DEFAULT_WORKFLOW,
            smtp_host=env.get("SETUPFLOW_SMTP_HOST") or None,
            smtp_port=int(env.get("SETUPFLOW_SMTP_PORT", "25")),
            smtp_security=env.get("SETUPFLOW_SMTP_SECURITY", "none"),
            smtp_user=env.get("SETUPFLOW_SMTP_USER") or None,
            smtp_password=env.get("SETUPFLOW_SMTP_PASSWORD") or None,
            mail_sender=env.get("SETUPFLOW_MAIL_SENDER", "setupflow@localhost"),
            base_url=env.get("SETUPFLOW_BASE_URL", "http://127.0.0.1:5000"),
            secret_key=env.get("SETUPFLOW_SECRET_KEY") or None,
            retention_days=int(env.get("SETUPFLOW_RETENTION_DAYS") or 730),
            proxy_hops=int(env.get("SETUPFLOW_PROXY_HOPS") or 0),
            oidc_issuer=(env.get("SETUPFLOW_OIDC_ISSUER") or "").rstrip("/") or None,
            oidc_client_id=env.get("SETUPFLOW_OIDC_CLIENT_ID") or None,
            oidc_client_secret=env.get("SETUPFLOW_OIDC_CLIENT_SECRET") or None,
            oidc_algorithm=(env.get("SETUPFLOW_OIDC_ALGORITHM") or "RS256").strip().upper(),
        )

    @property
    def oidc_enabled(self) -> bool:
        """ProConnect sign-in is offered only when the issuer and the client are all set."""
        return bool(self.oidc_issuer and self.oidc_client_id and self.oidc_client_secret)
