"""A real OpenID Connect provider on loopback, answering like ProConnect, for the tests.

A small Flask app served by werkzeug in a thread on 127.0.0.1: discovery document, JWKS,
an authorization page (a form where a fictional person types their e-mail), a token
endpoint (``client_secret_post``; each code works once), a userinfo endpoint answering a
signed JWT (``application/jwt``) with ProConnect's claims, and an end-session endpoint.
Tokens are signed with joserfc (Authlib's JOSE library) with the algorithm the client is
registered with (RS256, ES256, or HS256 with the client secret).

``faults`` makes it misbehave the way a test needs: claims of the ID token or of the
userinfo JWT overridden (wrong nonce, audience, issuer, an expiry in the past), or signed
with a key it does not publish (under the published key id).
"""
from __future__ import annotations

import html
import secrets
import threading
import time
from urllib.parse import urlencode

from flask import Flask, Response, jsonify, redirect, request
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet, OctKey, RSAKey
from werkzeug.serving import make_server

KID = "cle-de-test-1"


def _signing_key(algorithm: str, secret: str, kid: str = KID):
    if algorithm == "HS256":
        return OctKey.import_key(secret)
    parameters = {"kid": kid, "use": "sig", "alg": algorithm}
    if algorithm == "ES256":
        return ECKey.generate_key("P-256", parameters=parameters)
    return RSAKey.generate_key(2048, parameters=parameters)


class Provider:
    """One provider, one registered client; people are added by the tests."""

    def __init__(self, client_id: str = "setupflow-test", client_secret: str | None = None,
                 algorithm: str = "RS256", clock=None):
        self.client_id = client_id
        self.client_secret = client_secret or secrets.token_urlsafe(48)
        self.algorithm = algorithm
        #: seconds since the epoch, as the provider sees them (the tests' fixed clock)
        self.clock = clock or time.time
        self.kid = KID
        self.key = _signing_key(algorithm, self.client_secret)
        # another key under the same key id: a signature by it must fail, not pick another key
        self.other_key = _signing_key(algorithm, secrets.token_urlsafe(48))
        # ProConnect publishes its keys whatever the client's algorithm
        self.published = self.key if algorithm != "HS256" else _signing_key("RS256", "")
        self.redirect_uris: set[str] = set()
        self.post_logout_redirect_uris: set[str] = set()
        self.people: dict[str, dict] = {}
        self.codes: dict[str, dict] = {}
        self.access_tokens: dict[str, str] = {}
        #: the query of every end-session call, in order
        self.end_session_calls: list[dict] = []
        #: id_token_claims / userinfo_claims: claims overridden; id_token_key / userinfo_key: "other"
        self.faults: dict = {}
        self.app = self._make_app()
        self.server = None
        self.base = ""

    # --- lifecycle -------------------------------------------------------------------
    def start(self) -> "Provider":
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.thread.join(timeout=10)
            self.server = None

    def rotate_keys(self, kid: str) -> None:
        """Sign with a new key under a new key id, publishing only it (as a key rotation does)."""
        self.kid = kid
        self.key = self.published = _signing_key(self.algorithm, self.client_secret, kid)

    @property
    def issuer(self) -> str:
        return f"{self.base}/api/v2"

    def add_person(self, sub: str, email: str, given_name: str = "Camille", usual_name: str = "Exemple",
                   siret: str = "13002526500013") -> None:
        """A fictional professional; ``email`` may change later for the same ``sub``."""
        for login, claims in list(self.people.items()):
            if claims["sub"] == sub:
                del self.people[login]
        self.people[email.lower()] = {"sub": sub, "email": email, "given_name": given_name,
                                      "usual_name": usual_name, "siret": siret, "uid": sub[:8],
                                      "idp_id": "fia1v2"}

    # --- signing ---------------------------------------------------------------------
    def _sign(self, claims: dict, which: str) -> str:
        key = self.other_key if self.faults.get(f"{which}_key") == "other" else self.key
        header = {"alg": self.algorithm}
        if self.algorithm != "HS256":
            header["kid"] = self.kid
        return jwt.encode(header, claims, key, algorithms=[self.algorithm])

    def _id_token(self, grant: dict, access_token: str) -> str:
        now = int(self.clock())
        claims = {"iss": self.issuer, "sub": grant["sub"], "aud": self.client_id, "exp": now + 60, "iat": now,
                  "nonce": grant["nonce"], "acr": "eidas1", "amr": ["pwd"], "auth_time": now}
        claims.update(self.faults.get("id_token_claims", {}))
        return self._sign(claims, "id_token")

    # --- the endpoints ---------------------------------------------------------------
    def _make_app(self) -> Flask:
        app = Flask("oidc_test_provider")
        provider = self

        @app.get("/api/v2/.well-known/openid-configuration")
        def discovery():
            base = provider.issuer
            return jsonify({
                "issuer": base, "authorization_endpoint": f"{base}/authorize", "token_endpoint": f"{base}/token",
                "userinfo_endpoint": f"{base}/userinfo", "jwks_uri": f"{base}/jwks",
                "end_session_endpoint": f"{base}/session/end",
                "scopes_supported": ["openid", "email", "given_name", "usual_name", "siret", "uid", "phone",
                                     "idp_id"],
                "response_types_supported": ["code"], "grant_types_supported": ["authorization_code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": [provider.algorithm],
                "userinfo_signing_alg_values_supported": [provider.algorithm],
                "token_endpoint_auth_methods_supported": ["client_secret_post"],
                "claims_supported": ["sub", "email", "given_name", "usual_name", "siret", "uid", "idp_id"],
            })

        @app.get("/api/v2/jwks")
        def jwks():
            return jsonify(KeySet([provider.published]).as_dict(private=False))

        @app.get("/api/v2/authorize")
        def authorize_page():
            args = request.args
            problem = provider._authorize_problem(args)
            if problem:
                return Response(problem, status=400, mimetype="text/plain")
            hidden = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                             for k, v in args.items())
            return (
                '<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>ProConnect (test)</title>'
                '</head><body><main><h1>Connexion avec ProConnect (fournisseur de test)</h1>'
                f'<form method="post" action="{provider.issuer}/authorize">{hidden}'
                '<label for="login">Adresse e-mail professionnelle</label> '
                '<input id="login" name="login" type="email" required> '
                '<button type="submit">Continuer</button></form></main></body></html>')

        @app.post("/api/v2/authorize")
        def authorize():
            form = request.form
            problem = provider._authorize_problem(form)
            if problem:
                return Response(problem, status=400, mimetype="text/plain")
            person = provider.people.get(form.get("login", "").strip().lower())
            if person is None:
                return Response("unknown person", status=403, mimetype="text/plain")
            code = secrets.token_urlsafe(32)
            provider.codes[code] = {"sub": person["sub"], "nonce": form["nonce"],
                                    "redirect_uri": form["redirect_uri"], "used": False}
            query = urlencode({"code": code, "state": form["state"], "iss": provider.issuer})
            return redirect(f"{form['redirect_uri']}?{query}")

        @app.post("/api/v2/token")
        def token():
            form = request.form
            if form.get("client_id") != provider.client_id or form.get("client_secret") != provider.client_secret:
                return jsonify(error="invalid_client"), 401
            grant = provider.codes.get(form.get("code", ""))
            if (form.get("grant_type") != "authorization_code" or grant is None or grant["used"]
                    or grant["redirect_uri"] != form.get("redirect_uri")):
                return jsonify(error="invalid_grant", error_description="code unknown or already used"), 400
            grant["used"] = True
            access_token = secrets.token_urlsafe(32)
            provider.access_tokens[access_token] = grant["sub"]
            return jsonify(access_token=access_token, token_type="Bearer", expires_in=60, scope="openid",
                           id_token=provider._id_token(grant, access_token))

        @app.get("/api/v2/userinfo")
        def userinfo():
            auth = request.headers.get("Authorization", "")
            sub = provider.access_tokens.get(auth.removeprefix("Bearer ").strip())
            if sub is None:
                return jsonify(error="invalid_token"), 401
            person = next(p for p in provider.people.values() if p["sub"] == sub)
            now = int(provider.clock())
            claims = {**person, "iss": provider.issuer, "aud": provider.client_id, "iat": now}
            claims.update(provider.faults.get("userinfo_claims", {}))
            return Response(provider._sign(claims, "userinfo"), mimetype="application/jwt")

        @app.get("/api/v2/session/end")
        def end_session():
            args = request.args.to_dict()
            provider.end_session_calls.append(args)
            target = args.get("post_logout_redirect_uri")
            if target not in provider.post_logout_redirect_uris:
                return Response("post_logout_redirect_uri not registered", status=400, mimetype="text/plain")
            return redirect(f"{target}?{urlencode({'state': args.get('state', '')})}")

        return app

    def _authorize_problem(self, args) -> str | None:
        if args.get("client_id") != self.client_id:
            return "unknown client_id"
        if args.get("redirect_uri") not in self.redirect_uris:
            return "redirect_uri not registered"
        if args.get("response_type") != "code" or "openid" not in args.get("scope", "").split():
            return "response_type=code and scope openid expected"
        if len(args.get("state", "")) < 32 or len(args.get("nonce", "")) < 32:
            return "state and nonce of at least 32 characters expected"
        return None
