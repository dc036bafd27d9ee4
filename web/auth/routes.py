"""Log in and out, reset a forgotten password, switch the language."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from flask_wtf.csrf import CSRFProtect

from setupflow.accounts import operations as accounts
from setupflow.accounts.mail import send_account_mail
from setupflow.accounts.models import User
from setupflow.errors import InputError, NotFound
from setupflow.installation import seal

from .. import now
from ..db import db_session, discard_changes, settings
from .session_user import SessionUser, current_account

bp = Blueprint("auth", __name__)
csrf = CSRFProtect()


def init_login(app) -> None:
    csrf.init_app(app)
    manager = LoginManager(app)
    manager.login_view = "auth.login"
    manager.login_message = None
    manager.session_protection = "basic"

    @manager.user_loader
    def _load(token: str):
        user_id, _, version = (token or "").partition(":")
        if not user_id.isdigit() or not version.isdigit():
            return None
        user = db_session().get(User, int(user_id))
        if user is None or not user.is_active or user.session_version != int(version):
            return None
        return SessionUser(user)


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(url_for("home"))
        return render_template("auth/login.html", next=request.args.get("next", ""))
    email = request.form.get("email", "")
    result = accounts.authenticate(db_session(), email, request.form.get("password", ""), now())
    if result.is_throttled:
        return render_template("auth/login.html", email=email, throttled=True,
                               next=request.form.get("next", "")), 429
    if result.user is None:
        return render_template("auth/login.html", email=email, failed=True,
                               next=request.form.get("next", "")), 200
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    login_user(SessionUser(result.user))
    return redirect(_safe_next(request.form.get("next")) or url_for("home"))


@bp.post("/logout")
@login_required
def logout():
    accounts.end_sessions(db_session(), current_account())
    logout_user()
    session.clear()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    if request.method == "GET":
        return render_template("auth/forgot.html")
    email = request.form.get("email", "")
    try:
        started = accounts.start_password_reset(db_session(), email, now(), client=request.remote_addr)
    except accounts.TooManyResets:
        abort(429)  # the counter stays past the limit (earlier requests committed it)
    if started is not None:
        user, token = started
        # queued in this request's transaction with the link sealed by the installation's key
        # (never readable in the outbox); the worker unseals it to send and then erases it
        path = seal(settings(), url_for("auth.reset_password", token=token))
        send_account_mail(db_session(), to=user.email, name=user.display_name, language=user.language,
                          template="password_reset", context={"path_sealed": path},
                          now=now(), expires_dt=now() + accounts.RESET_VALIDITY)
    flash(_("If an account exists for this address, a reset link has been sent to it. "
            "The link works once, for two hours."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token):
    try:
        accounts.reset_token_user(db_session(), token, now())
    except NotFound:
        return render_template("auth/reset.html", invalid=True), 404
    if request.method == "GET":
        return render_template("auth/reset.html")
    password = request.form.get("password", "")
    if password != request.form.get("password_again", ""):
        return render_template("auth/reset.html", error=_("The two passwords differ.")), 400
    try:
        accounts.reset_password(db_session(), token, password, now())
    except InputError as exc:
        discard_changes()
        return render_template("auth/reset.html", error=password_problem(exc)), 400
    flash(_("Your password is changed. You can log in."), "info")
    return redirect(url_for("auth.login"))


def password_problem(exc: InputError) -> str:
    text = str(exc)
    if "at least" in text:
        return _("The password needs at least 10 characters.")
    if "too common" in text:
        return _("This password is too common; choose another one.")
    if "differ from the e-mail" in text:
        return _("The password must differ from the e-mail address.")
    return _("This password cannot be used.")


@bp.post("/language")
def language():
    lang = request.form.get("lang", "")
    if lang not in ("fr", "en"):
        abort(400)
    session["lang"] = lang
    if current_user.is_authenticated:
        accounts.set_language(db_session(), current_account(), lang)
    return redirect(_safe_next(request.form.get("next")) or url_for("home"))
