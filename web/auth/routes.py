"""Log in and out, reset a forgotten password, switch the language."""
from __future__ import annotations


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
from ..inputs import safe_next
from ..problems import explain
from . import proconnect
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


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(url_for("home"))
        return render_template("auth/login.html", next=request.args.get("next", ""))
    email = request.form.get("email", "")
    result = accounts.authenticate(db_session(), email, request.form.get("password", ""), now(),
                                   proconnect_offered=proconnect.offered())
    if result.needs_proconnect:
        return render_template("auth/login.html", email=email, needs_proconnect=True,
                               next=request.form.get("next", "")), 200
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
    return redirect(safe_next(request.form.get("next")) or url_for("home"))


@bp.post("/logout")
@login_required
def logout():
    id_token = session.get(proconnect.ID_TOKEN_KEY)
    accounts.end_sessions(db_session(), current_account())
    logout_user()
    session.clear()
    if id_token and proconnect.offered():
        # the local session is over whatever the provider answers; then its own logout
        provider = proconnect.provider_logout(id_token)
        if provider is not None:
            return provider
        flash(_("You are logged out of setupflow. ProConnect could not be reached: close your browser "
                "to end your ProConnect session."), "info")
        return redirect(url_for("auth.login"))
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
        return render_template("auth/reset.html", error=explain(exc)), 400
    flash(_("Your password is changed. You can log in."), "info")
    return redirect(url_for("auth.login"))


@bp.post("/language")
def language():
    lang = request.form.get("lang", "")
    if lang not in ("fr", "en"):
        abort(400)
    session["lang"] = lang
    if current_user.is_authenticated:
        accounts.set_language(db_session(), current_account(), lang)
    return redirect(safe_next(request.form.get("next")) or url_for("home"))


@bp.get("/account")
@login_required
def account():
    """How the person signs in; unlinking ProConnect; for administrators, the roles that must use it."""
    from setupflow.accounts import proconnect as rules

    user = current_account()
    required = rules.required_roles(db_session())
    enforced = proconnect.offered() and user.role in required
    return render_template("auth/account.html", user=user, required_roles=required,
                           password_allowed=not enforced,
                           can_unlink=user.oidc_subject is not None and not enforced)


@bp.post("/account/proconnect/unlink")
@login_required
def unlink_proconnect():
    from setupflow.accounts import proconnect as rules

    from ..problems import explain

    try:
        rules.unlink(db_session(), current_account(), enforced=proconnect.offered())
    except InputError as exc:
        discard_changes()
        flash(explain(exc), "error")
        return redirect(url_for("auth.account"))
    session.pop(proconnect.ID_TOKEN_KEY, None)
    flash(_("Your account is no longer linked to ProConnect: sign in with your e-mail and password."), "info")
    return redirect(url_for("auth.account"))


@bp.post("/account/proconnect/roles")
@login_required
def proconnect_roles():
    """An administrator requires ProConnect for roles (or allows their passwords again)."""
    from setupflow.accounts import proconnect as rules
    from setupflow.accounts.models import ROLES

    if current_account().role != "admin":
        abort(403)
    wanted = set(request.form.getlist("role"))
    for role in ROLES:
        rules.set_required(db_session(), role, role in wanted, now())
    flash(_("The sign-in rules are saved."), "info")
    return redirect(url_for("auth.account"))
