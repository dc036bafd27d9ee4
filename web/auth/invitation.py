"""The page an invitation e-mail links to: the invited person chooses their password."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from setupflow.accounts import invitations
from setupflow.errors import InputError, NotFound

from .. import now
from ..db import db_session, discard_changes
from ..problems import explain
from .routes import bp


def _secret() -> str:
    from flask import current_app

    return current_app.config["SECRET_KEY"]


@bp.route("/welcome/<token>", methods=["GET", "POST"])
def welcome(token):
    try:
        user = invitations.invited_user(db_session(), token, _secret(), now())
    except NotFound:
        return render_template("auth/welcome.html", invalid=True), 404
    if request.method == "GET":
        return render_template("auth/welcome.html", email=user.email)
    password = request.form.get("password", "")
    if password != request.form.get("password_again", ""):
        return render_template("auth/welcome.html", email=user.email, error=_("The two passwords differ.")), 400
    try:
        invitations.accept_invitation(db_session(), token, password, _secret(), now())
    except InputError as exc:
        discard_changes()
        return render_template("auth/welcome.html", email=user.email, error=explain(exc)), 400
    flash(_("Your password is saved. Log in with your e-mail address and this password."), "info")
    return redirect(url_for("auth.login"))


def invitation_path(user) -> str:
    return url_for("auth.welcome", token=invitations.invitation_token(user, _secret(), now()))
