"""``setupflow oidc check``: read the provider's discovery document and keys and say what
would stop a ProConnect sign-in, one line per problem (an empty list: ready).

It needs no database and never imports Flask; the web face verifies the same things on
every sign-in, this check only tells an administrator before people try.
"""
from __future__ import annotations

from urllib.parse import urlsplit

import requests
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from ..config import Settings
from .proconnect import ALGORITHMS, SCOPES

TIMEOUT = 10
ENDPOINTS = ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri", "end_session_endpoint")
KEY_TYPES = {"RS256": "RSA", "ES256": "EC"}


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _json(url: str, what: str, get) -> tuple[dict | None, str | None]:
    try:
        response = get(url, timeout=TIMEOUT)
    except requests.RequestException as exc:
        return None, f"{what}: {url} cannot be reached ({type(exc).__name__})"
    if response.status_code != 200:
        return None, f"{what}: {url} answers HTTP {response.status_code}"
    try:
        data = response.json()
    except ValueError:
        return None, f"{what}: {url} does not answer JSON"
    if not isinstance(data, dict):
        return None, f"{what}: {url} does not answer a JSON object"
    return data, None


def problems(settings: Settings, get=requests.get) -> list[str]:
    found = _settings_problems(settings)
    if not settings.oidc_issuer:
        return found
    discovery_url = f"{settings.oidc_issuer}/.well-known/openid-configuration"
    metadata, problem = _json(discovery_url, "discovery", get)
    if problem:
        return found + [problem]
    found += _discovery_problems(settings, metadata)
    if metadata.get("jwks_uri"):
        found += _key_problems(metadata["jwks_uri"], settings.oidc_algorithm, get)
    return found


def _settings_problems(settings: Settings) -> list[str]:
    """What the settings alone say: the three required values, the algorithm, an https base URL."""
    found = []
    for name, value in (("SETUPFLOW_OIDC_ISSUER", settings.oidc_issuer),
                        ("SETUPFLOW_OIDC_CLIENT_ID", settings.oidc_client_id),
                        ("SETUPFLOW_OIDC_CLIENT_SECRET", settings.oidc_client_secret)):
        if not value:
            found.append(f"{name} is not set")
    algorithm = settings.oidc_algorithm
    if algorithm not in ALGORITHMS:
        found.append(f"SETUPFLOW_OIDC_ALGORITHM: '{algorithm}' is not one of {', '.join(ALGORITHMS)}")
    base = urlsplit(settings.base_url)
    if base.scheme != "https" and base.hostname not in ("localhost", "127.0.0.1", "::1"):
        found.append(f"SETUPFLOW_BASE_URL: {settings.base_url} is not https; "
                     "ProConnect accepts http redirect URIs only on the local machine")
    return found


def _discovery_problems(settings: Settings, metadata: dict) -> list[str]:
    """What the provider's discovery document says against the settings."""
    found = []
    algorithm = settings.oidc_algorithm
    if metadata.get("issuer") != settings.oidc_issuer:
        found.append(f"discovery: issuer is '{metadata.get('issuer')}', SETUPFLOW_OIDC_ISSUER is "
                     f"'{settings.oidc_issuer}' (they must be equal)")
    for endpoint in ENDPOINTS:
        if not metadata.get(endpoint):
            found.append(f"discovery: no {endpoint}")
    origin = _origin(settings.oidc_issuer)
    for endpoint in ("authorization_endpoint", "end_session_endpoint"):
        if metadata.get(endpoint) and _origin(metadata[endpoint]) != origin:
            found.append(f"discovery: {endpoint} is not on the issuer's origin {origin} "
                         "(the pages' Content-Security-Policy lets forms go to that origin only)")
    for field in ("id_token_signing_alg_values_supported", "userinfo_signing_alg_values_supported"):
        offered = metadata.get(field) or []
        if algorithm in ALGORITHMS and algorithm not in offered:
            found.append(f"discovery: {field} is {offered}, without {algorithm} (SETUPFLOW_OIDC_ALGORITHM)")
    scopes = metadata.get("scopes_supported")
    if scopes is not None:
        missing = [s for s in SCOPES.split() if s not in scopes]
        if missing:
            found.append(f"discovery: scopes not supported: {' '.join(missing)}")
    methods = metadata.get("token_endpoint_auth_methods_supported")
    if methods is not None and "client_secret_post" not in methods:
        found.append(f"discovery: the token endpoint does not accept client_secret_post ({methods})")
    return found


def _key_problems(jwks_uri: str, algorithm: str, get) -> list[str]:
    """What the provider's key set says: readable, with a signing key for the algorithm."""
    keys, problem = _json(jwks_uri, "keys", get)
    if problem:
        return [problem]
    try:
        key_set = KeySet.import_key_set(keys)
    except (JoseError, ValueError, TypeError, KeyError):
        return [f"keys: {jwks_uri} is not a JSON Web Key Set"]
    wanted = KEY_TYPES.get(algorithm)
    if wanted and not any(k.key_type == wanted and k.get("use", "sig") == "sig" for k in key_set.keys):
        return [f"keys: no {wanted} signing key for {algorithm} at {jwks_uri}"]
    return []
