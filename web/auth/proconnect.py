"""Sign in with ProConnect: the OpenID Connect authorization code flow, through Authlib's
Flask client.

Configured by the environment only (``SETUPFLOW_OIDC_*``, see ``setupflow.config``);
without it this blueprint is not registered, the button does not show and nothing else
changes. The provider's endpoints come from its discovery document. ``state`` and
``nonce`` (43 random characters each) are kept in the session and checked; the ID token's
signature, issuer, audience, expiry and nonce are verified, and so is the signature of the
userinfo answer, which ProConnect sends as a signed JWT (``application/jwt``). Which
account signs in is decided by ``setupflow.accounts.proconnect``; this module only speaks
the protocol.
"""
from __future__ import annotations

import secrets
import time
from urllib.parse import urlsplit

import requests
from authlib.integrations.flask_client import OAuth, OAuthError
from authlib.oauth2.claims import JWTClaims
from authlib.oidc.core import CodeIDToken
from flask import Blueprint, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_user
from joserfc import jwt
from joserfc.errors import ClaimError, ExpiredTokenError, InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet, OctKey
from joserfc.jws import JWSRegistry

from setupflow.accounts import proconnect as accounts
from setupflow.config import Settings

from .. import now
from ..db import db_session, settings
from .session_user import SessionUser

bp = Blueprint("proconnect", __name__)

#: seconds to wait for the provider before telling the person it does not answer
TIMEOUT = 10
#: the discovery document and the keys are read again after this many seconds
METADATA_TTL = 3600
#: clock skew accepted on the provider's ``exp``, ``iat`` and ``nbf``, in seconds
LEEWAY = 60
ID_TOKEN_KEY = "proconnect_id_token"
LOGOUT_STATE_KEY = "proconnect_logout_state"
NEXT_KEY = "proconnect_next"


class Refused(Exception):
    """A sign-in the protocol refuses; ``reason`` is the code the audit log keeps."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def init_proconnect(app, settings: Settings) -> None:
    """Register the ProConnect client and its pages when the environment configures it."""
    app.extensions["setupflow_proconnect"] = None
    if settings.oidc_enabled:
        oauth = OAuth(app)
        client = oauth.register(
            "proconnect", client_id=settings.oidc_client_id, client_secret=settings.oidc_client_secret,
            server_metadata_url=f"{settings.oidc_issuer}/.well-known/openid-configuration",
            client_kwargs={"scope": accounts.SCOPES, "token_endpoint_auth_method": "client_secret_post",
                           "default_timeout": TIMEOUT})
        app.extensions["setupflow_proconnect"] = client
        app.register_blueprint(bp)
        # the button and the logout are forms whose answer redirects to the provider: the
        # Content-Security-Policy's form-action must allow its origin (Chromium enforces it)
        parts = urlsplit(settings.oidc_issuer)
        app.config["SETUPFLOW_FORM_ACTION_ORIGINS"] = (f"{parts.scheme}://{parts.netloc}",)

    @app.context_processor
    def _proconnect():
        return {"proconnect_offered": offered()}


def offered() -> bool:
    return current_app.extensions.get("setupflow_proconnect") is not None


def _client():
    client = current_app.extensions["setupflow_proconnect"]
    loaded = client.server_metadata.get("_loaded_at")
    if loaded is not None and time.time() - loaded > METADATA_TTL:
        client.server_metadata.clear()  # read the discovery document and the keys again
    return client


def _redirect_uri() -> str:
    return settings().base_url.rstrip("/") + url_for("proconnect.callback")


def post_logout_redirect_uri() -> str:
    return settings().base_url.rstrip("/") + url_for("proconnect.logged_out")


def _back_to_login(message: str, status: str = "error"):
    flash(message, status)
    return redirect(url_for("auth.login"))


@bp.post("/proconnect/login")
def login():
    from ..inputs import safe_next

    client = _client()
    try:
        client.load_server_metadata()
    except (requests.RequestException, ValueError):
        accounts.refuse(db_session(), "provider_unreachable")
        return _back_to_login(_("ProConnect does not answer at the moment. Try again later, "
                                "or log in with your e-mail and password."))
    session[NEXT_KEY] = safe_next(request.form.get("next")) or ""
    return client.authorize_redirect(_redirect_uri(), state=secrets.token_urlsafe(32),
                                     nonce=secrets.token_urlsafe(32))


@bp.get("/proconnect/callback")
def callback():
    client = _client()
    try:
        identity, id_token = _verified_identity(client)
    except Refused as refused:
        accounts.refuse(db_session(), refused.reason)
        if refused.reason == "provider_unreachable":
            return _back_to_login(_("ProConnect does not answer at the moment. Try again later, "
                                    "or log in with your e-mail and password."))
        return _back_to_login(_("The sign-in with ProConnect did not succeed. Try again, "
                                "or log in with your e-mail and password."))
    outcome = accounts.account_for(db_session(), identity, now())
    if outcome.user is None:
        # one message whatever the reason: it never tells whether an account exists
        return _back_to_login(_("No setupflow access is open for this ProConnect identity. Access is given by "
                                "the Cress of your region or by an administrator of setupflow: ask them to "
                                "open an account with your professional e-mail address."))
    lang, target = session.get("lang"), session.get(NEXT_KEY)
    session.clear()  # a new session: nothing from before the sign-in carries over
    if lang:
        session["lang"] = lang
    login_user(SessionUser(outcome.user))
    session[ID_TOKEN_KEY] = id_token  # for the provider's logout (id_token_hint)
    if outcome.linked:
        flash(_("Your account is now linked to ProConnect: sign in with it from now on."), "info")
    return redirect(target or url_for("home"))


def _verified_identity(client) -> tuple[accounts.Identity, str]:
    if request.args.get("error"):
        raise Refused("provider_error")
    state = request.args.get("state") or ""
    data = client.framework.get_state_data(session, state) if state else None
    if not data or not data.get("nonce"):
        raise Refused("state")
    client.framework.clear_state_data(session, state)  # a state works once
    if request.args.get("iss") not in (None, settings().oidc_issuer):
        raise Refused("callback_iss")  # an answer from another provider (RFC 9207, sent by ProConnect)
    code = request.args.get("code")
    if not code:
        raise Refused("code_missing")
    try:
        token = client.fetch_access_token(redirect_uri=data["redirect_uri"], code=code)
    except OAuthError:
        raise Refused("code_refused") from None  # a replayed, expired or forged code
    except requests.RequestException:
        raise Refused("provider_unreachable") from None
    except ValueError:
        raise Refused("token_response_invalid") from None
    if not token.get("id_token") or not token.get("access_token"):
        raise Refused("token_response_invalid")
    claims = _verified_jwt(client, token["id_token"], "id_token", nonce=data["nonce"],
                           access_token=token["access_token"])
    info = _userinfo(client, token, claims["sub"])
    identity = accounts.Identity(
        issuer=settings().oidc_issuer, subject=claims["sub"], email=str(info.get("email") or ""),
        given_name=str(info.get("given_name") or ""), usual_name=str(info.get("usual_name") or ""),
        siret=str(info.get("siret") or ""))
    return identity, token["id_token"]


def _key(client, force: bool = False):
    config = settings()
    if config.oidc_algorithm == "HS256":
        return OctKey.import_key(config.oidc_client_secret)
    return KeySet.import_key_set(client.fetch_jwk_set(force=force))


def _verified_jwt(client, value: str, what: str, *, nonce: str | None = None, access_token: str | None = None,
                  subject: str | None = None) -> dict:
    """Decode and verify an ID token (``what="id_token"``) or a userinfo JWT; refuse on any fault."""
    config = settings()
    registry = JWSRegistry(algorithms=[config.oidc_algorithm])
    try:
        try:
            decoded = jwt.decode(value, _key(client), registry=registry)
        except InvalidKeyIdError:  # the provider may have rotated its keys
            decoded = jwt.decode(value, _key(client, force=True), registry=registry)
    except (JoseError, ValueError, TypeError):
        raise Refused(f"{what}_signature") from None
    except requests.RequestException:
        raise Refused("provider_unreachable") from None
    if what == "id_token":
        options = {"iss": {"essential": True, "value": config.oidc_issuer},
                   "aud": {"essential": True, "value": config.oidc_client_id},
                   "sub": {"essential": True}, "exp": {"essential": True}, "iat": {"essential": True},
                   "nonce": {"essential": True, "value": nonce}}
        params = {"nonce": nonce, "client_id": config.oidc_client_id, "access_token": access_token}
        claims = CodeIDToken(decoded.claims, decoded.header, options, params)
    else:
        options = {"iss": {"value": config.oidc_issuer}, "aud": {"value": config.oidc_client_id},
                   "sub": {"essential": True, "value": subject}}
        claims = JWTClaims(decoded.claims, decoded.header, options)
    try:
        claims.validate(now=int(now().timestamp()), leeway=LEEWAY)
    except ExpiredTokenError:
        raise Refused(f"{what}_expired") from None
    except ClaimError as exc:
        raise Refused(f"{what}_{exc.claim}"[:60]) from None
    except JoseError:
        raise Refused(f"{what}_claims") from None
    return dict(claims)


def _userinfo(client, token: dict, subject: str) -> dict:
    """ProConnect's userinfo: a JWT signed like the ID token, about the same subject."""
    # asked directly: Authlib's session would refuse ProConnect's access tokens, which live
    # 60 seconds, as already expired under its own 60-second leeway
    try:
        response = requests.get(client.load_server_metadata()["userinfo_endpoint"], timeout=TIMEOUT,
                                headers={"Authorization": f"Bearer {token['access_token']}",
                                         "Accept": "application/jwt"})
    except (requests.RequestException, KeyError):
        raise Refused("provider_unreachable") from None
    if response.status_code != 200:
        raise Refused("userinfo_refused")
    if response.headers.get("Content-Type", "").split(";")[0].strip() != "application/jwt":
        raise Refused("userinfo_not_signed")
    return _verified_jwt(client, response.text.strip(), "userinfo", subject=subject)


def provider_logout(id_token: str):
    """After the local session ended: send the browser to the provider's end-session
    endpoint, or None when the provider cannot be reached (the local logout stands)."""
    client = _client()
    state = secrets.token_urlsafe(32)
    try:
        url = client.create_logout_url(post_logout_redirect_uri=post_logout_redirect_uri(),
                                       id_token_hint=id_token, state=state)["url"]
    except (requests.RequestException, ValueError, RuntimeError, KeyError):
        return None
    session[LOGOUT_STATE_KEY] = state
    return redirect(url)


@bp.get("/proconnect/logged-out")
def logged_out():
    """Where the provider sends the browser back after its logout."""
    expected = session.pop(LOGOUT_STATE_KEY, None)
    if expected and secrets.compare_digest(expected, request.args.get("state", "")):
        flash(_("You are logged out of setupflow and of ProConnect."), "info")
    return redirect(url_for("auth.login"))
