"""Single sign-on with the organisation's OpenID Connect provider (docs/deploy.md, "Single sign-on").

The authorization code flow with PKCE: `/auth/oidc/login` sends the browser to the provider with a
fresh state, nonce and code verifier, kept in a short-lived signed cookie scoped to `/auth/oidc`;
`/auth/oidc/callback` checks the state, exchanges the code (Authlib's httpx client), verifies the ID
token's signature against the provider's published keys (JWKS) and its issuer, audience, expiry and
nonce (Authlib's OpenID Connect claims), maps the groups claim to roles and teams and opens a Kring
session marked `via="sso"`. Kring's own second factor is skipped: the provider authenticated.

Nothing here logs or audits a name, e-mail or group: a refusal is recorded by its reason code only.
"""

from __future__ import annotations

import base64
import hmac
import html
import json
import logging
import re
import time
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import quote_plus, urlencode

import httpx
from authlib.common.security import generate_token
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri, prepare_token_request
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import ExpiredTokenError, InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from server.auth import sign, unsign
from server.meetings.domain.throttle import BackOff
from server.meetings.http import cookies
from server.meetings.http.endpoint import ApiError, client_address, parts
from server.meetings.render import answers
from server.settings import OidcSettings, Settings
from server.store.meetings import SESSION_LIFETIME
from server.store.sso import Claimed, SsoStore

log = logging.getLogger("kring.sso")

FLOW_COOKIE = "kring_oidc"
FLOW_PATH = "/auth/oidc"
# Long enough to type a password and answer the provider's own second factor.
FLOW_SECONDS = 600
# Clocks of the provider and this server may differ a little; an ID token is checked with this slack.
LEEWAY_SECONDS = 60
# Discovery and keys are asked again after this long (a provider rolls its keys now and then; an
# unknown key id also makes the keys be fetched at once).
METADATA_SECONDS = 3600
HTTP_TIMEOUT = 10.0
# Only a path of this site: "//elsewhere" or "/\\elsewhere" would leave it (as web/src/login.js).
LOCAL_PATH = re.compile(r"^/(?![/\\])[^\s]*$")


class SsoFailed(Exception):
    """The sign-in did not complete; `reason` is a short code, safe for the log and the audit."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class _Known:
    metadata: dict[str, Any]
    keys: KeySet | None
    fetched: float


# Per issuer, shared by every app in this process: discovery is the same for all of them.
_PROVIDERS: dict[str, _Known] = {}


async def _metadata(config: OidcSettings, *, refresh: bool = False) -> dict[str, Any]:
    known = _PROVIDERS.get(config.issuer)
    if known is not None and not refresh and time.monotonic() - known.fetched < METADATA_SECONDS:
        return known.metadata
    async with httpx.AsyncClient(timeout=HTTP_TIMEOUT) as http:
        reply = await http.get(f"{config.issuer}/.well-known/openid-configuration")
        reply.raise_for_status()
        metadata = reply.json()
    if not isinstance(metadata, dict) or metadata.get("issuer", "").rstrip("/") != config.issuer:
        # A discovery document for another issuer would let that issuer's tokens in.
        raise SsoFailed("issuer_mismatch")
    for needed in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not isinstance(metadata.get(needed), str):
            raise SsoFailed("bad_discovery")
    _PROVIDERS[config.issuer] = _Known(metadata, None, time.monotonic())
    return metadata


async def _keys(config: OidcSettings, *, refresh: bool = False) -> KeySet:
    metadata = await _metadata(config)
    known = _PROVIDERS[config.issuer]
    if known.keys is None or refresh:
        async with httpx.AsyncClient(timeout=HTTP_TIMEOUT) as http:
            reply = await http.get(metadata["jwks_uri"])
            reply.raise_for_status()
            known.keys = KeySet.import_key_set(reply.json())
    return known.keys


def _redirect_uri(settings: Settings) -> str:
    return f"{settings.public_url.rstrip('/')}{FLOW_PATH}/callback"


def _config(request: Request) -> OidcSettings:
    config = parts(request).settings.oidc
    if config is None:
        raise ApiError(404, "sso_off", "Inloggen via de organisatie staat uit. / Single sign-on is off.")
    return config


def _secure(settings: Settings) -> bool:
    return settings.public_url.lower().startswith("https://")


def _pack(flow: dict[str, str], key: str) -> str:
    raw = base64.urlsafe_b64encode(json.dumps(flow, separators=(",", ":")).encode()).decode().rstrip("=")
    return sign(raw, key)


def _unpack(signed: str | None, key: str) -> dict[str, str] | None:
    raw = unsign(signed, key) if signed else None
    if raw is None:
        return None
    try:
        flow = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except ValueError:
        return None
    if not isinstance(flow, dict) or not all(isinstance(v, str) for v in flow.values()):
        return None
    # The cookie's Max-Age is a request to the browser; the flow's own time is the check.
    if not flow.get("at", "").isdigit() or time.time() - int(flow["at"]) > FLOW_SECONDS:
        return None
    return cast(dict[str, str], flow)


def _basic(config: OidcSettings) -> str:
    """client_secret_basic: RFC 6749 2.3.1 form-encodes id and secret before Base64 (httpx's
    BasicAuth does not, which breaks secrets with a ':' or '%')."""
    pair = f"{quote_plus(config.client_id)}:{quote_plus(config.client_secret)}"
    return "Basic " + base64.b64encode(pair.encode()).decode()


async def _exchange(
    config: OidcSettings, settings: Settings, endpoint: str, code: str, verifier: str
) -> dict[str, Any]:
    """The code for tokens, at the provider's token endpoint (the protocol by Authlib, the
    transport by httpx): proves the code verifier, so a stolen code alone is worthless."""
    body = prepare_token_request(
        "authorization_code", redirect_uri=_redirect_uri(settings), code=code, code_verifier=verifier
    )
    async with httpx.AsyncClient(timeout=HTTP_TIMEOUT) as http:
        reply = await http.post(
            endpoint,
            content=body,
            headers={
                "Authorization": _basic(config),
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
        )
    if reply.status_code != 200:
        raise SsoFailed("token_refused")
    token = reply.json()
    if not isinstance(token, dict):
        raise SsoFailed("token_refused")
    return token


async def offer(request: Request) -> Response:
    """What the log-in page shows: the organisation's button, the password form, or both."""
    settings = parts(request).settings
    offered: answers.SsoOffer = {"sso": settings.oidc is not None, "password_login": settings.password_login}
    return JSONResponse(offered)


async def login(request: Request) -> Response:
    """Off to the provider, with what the callback will check kept in a signed cookie."""
    config = _config(request)
    settings = parts(request).settings
    next_path = request.query_params.get("next", "")
    if not LOCAL_PATH.match(next_path) or len(next_path) > 500:
        next_path = "/console"
    try:
        metadata = await _metadata(config)
    except (httpx.HTTPError, ValueError, SsoFailed) as error:
        log.warning("sso provider unreachable", extra={"reason": type(error).__name__})
        return _back_to_login("unavailable")
    flow = {
        "state": generate_token(32),
        "nonce": generate_token(32),
        "verifier": generate_token(64),
        "next": next_path,
        "at": str(int(time.time())),
    }
    url = prepare_grant_uri(
        metadata["authorization_endpoint"],
        config.client_id,
        "code",
        redirect_uri=_redirect_uri(settings),
        scope=config.scopes,
        state=flow["state"],
        nonce=flow["nonce"],
        code_challenge=create_s256_code_challenge(flow["verifier"]),
        code_challenge_method="S256",
    )
    response = RedirectResponse(url, status_code=303)
    # Lax, not Strict: the provider sends the browser back with a top-level GET from its own site.
    response.set_cookie(
        FLOW_COOKIE,
        _pack(flow, settings.secret_key),
        max_age=FLOW_SECONDS,
        path=FLOW_PATH,
        secure=_secure(settings),
        httponly=True,
        samesite="lax",
    )
    return response


class Callback:
    """Where the provider sends the browser back. Failures are throttled per client address, as
    wrong passwords are: each one costs a call to the provider and an audit entry."""

    def __init__(self, throttle: BackOff) -> None:
        self.throttle = throttle

    async def __call__(self, request: Request) -> Response:
        address = client_address(request)
        wait = self.throttle.retry_after(address)
        if wait:
            log.warning("sso throttled", extra={"retry_after": wait})
            return _back_to_login("failed")
        response = await callback(request)
        if response.status_code != 200:
            self.throttle.failed(address)
        return response


async def callback(request: Request) -> Response:
    kring = parts(request)
    config = _config(request)
    settings = kring.settings
    flow = _unpack(request.cookies.get(FLOW_COOKIE), settings.secret_key)
    try:
        claims = await _verified_claims(request, config, settings, flow)
    except SsoFailed as error:
        log.info("sso failed", extra={"reason": error.reason})
        await kring.meetings.audit("sso_failed", actor_kind="system", detail=error.reason)
        return _back_to_login("failed")
    assert flow is not None
    groups = _groups(claims.get(config.groups_claim))
    store = SsoStore(kring.meetings.engine)
    outcome = await store.sign_in_once(
        Claimed(
            issuer=config.issuer,
            subject=str(claims["sub"]),
            email=_email(claims),
            email_verified=claims.get("email_verified") is True,
            name=str(claims.get("name") or ""),
            roles=frozenset(role for group, role in config.role_map if group in groups),
            teams=frozenset(team for group, team in config.team_map if group in groups),
        ),
        create=config.new_people == "create",
    )
    if outcome.person is None:
        log.info("sso refused", extra={"reason": outcome.refused})
        await kring.meetings.audit("sso_refused", actor_kind="system", detail=outcome.refused)
        return _back_to_login("refused")
    person = outcome.person
    token = await store.open_session(person.id)
    await kring.meetings.audit(
        "sso_login", actor_kind="facilitator", actor_id=str(person.id), detail="created" if outcome.created else None
    )
    log.info("sso login", extra={"facilitator": person.id})
    response = _landing(flow["next"])
    cookies.set_session(response, settings, token, int(SESSION_LIFETIME.total_seconds()))
    _clear_flow(response, settings)
    return response


async def _verified_claims(
    request: Request, config: OidcSettings, settings: Settings, flow: dict[str, str] | None
) -> dict[str, Any]:
    params = request.query_params
    if flow is None:
        raise SsoFailed("no_flow")
    if not hmac.compare_digest(params.get("state", ""), flow["state"]):
        raise SsoFailed("bad_state")
    if params.get("error"):
        raise SsoFailed("provider_error")
    # RFC 9207: a provider that names itself in the answer must be the one we asked.
    if "iss" in params and params["iss"].rstrip("/") != config.issuer:
        raise SsoFailed("issuer_mismatch")
    code = params.get("code", "")
    if not code:
        raise SsoFailed("no_code")
    try:
        metadata = await _metadata(config)
        token = await _exchange(config, settings, metadata["token_endpoint"], code, flow["verifier"])
    except (httpx.HTTPError, ValueError) as error:
        # Not the message into the log: a provider may echo what it was sent.
        raise SsoFailed("provider_unreachable") from error
    id_token = token.get("id_token")
    if not isinstance(id_token, str):
        raise SsoFailed("no_id_token")
    algorithms = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
    registry = JWSRegistry(algorithms=[a for a in algorithms if a != "none"], strict_check_header=False)
    try:
        try:
            decoded = jwt.decode(id_token, await _keys(config), registry=registry)
        except InvalidKeyIdError:
            decoded = jwt.decode(id_token, await _keys(config, refresh=True), registry=registry)
        claims = CodeIDToken(
            decoded.claims,
            decoded.header,
            # The issuer exactly as the provider writes it (discovery matched it up to a final "/").
            {
                "iss": {"essential": True, "value": metadata["issuer"]},
                "aud": {"essential": True, "value": config.client_id},
            },
            {"nonce": flow["nonce"], "client_id": config.client_id, "access_token": token.get("access_token")},
        )
        claims.validate(leeway=LEEWAY_SECONDS)
    except ExpiredTokenError as error:
        raise SsoFailed("id_token_expired") from error
    except (JoseError, ValueError, httpx.HTTPError) as error:
        raise SsoFailed("bad_id_token") from error
    subject = decoded.claims.get("sub")
    if not isinstance(subject, str) or not 0 < len(subject) <= 255:  # OpenID Connect: at most 255 ASCII
        raise SsoFailed("bad_id_token")
    return dict(decoded.claims)


def _groups(value: object) -> set[str]:
    if isinstance(value, str):
        return {value}
    if isinstance(value, list):
        return {g for g in value if isinstance(g, str)}
    return set()


def _email(claims: dict[str, Any]) -> str:
    # Entra ID sends the sign-in name as preferred_username when no e-mail is set up.
    for name in ("email", "preferred_username", "upn"):
        value = claims.get(name)
        if isinstance(value, str) and "@" in value and len(value) <= 254:
            return value
    return ""


def _back_to_login(why: str) -> Response:
    response = RedirectResponse(f"/login?{urlencode({'sso': why})}", status_code=303)
    response.delete_cookie(FLOW_COOKIE, path=FLOW_PATH)
    return response


def _clear_flow(response: Response, settings: Settings) -> None:
    response.delete_cookie(FLOW_COOKIE, path=FLOW_PATH, secure=_secure(settings), httponly=True, samesite="lax")


def _landing(next_path: str) -> Response:
    """A page that moves on by itself, not a redirect: the session cookie is SameSite=Strict, and a
    browser withholds it for the rest of a redirect chain that began on the provider's site."""
    target = html.escape(next_path, quote=True)
    page = (
        '<!doctype html><html lang="nl"><head><meta charset="utf-8">'
        f'<meta http-equiv="refresh" content="0;url={target}"><title>Kring</title></head>'
        f'<body><main><p><a href="{target}">Verder naar Kring / Continue to Kring</a></p></main></body></html>'
    )
    return HTMLResponse(page, headers={"Cache-Control": "no-store"})


async def sign_out_redirect(request: Request, token: str) -> str | None:
    """Where the browser goes after Kring's session ends, if it was opened through the provider and
    the provider ends its own sessions (RP-initiated logout); None otherwise or if it cannot be asked."""
    kring = parts(request)
    config = kring.settings.oidc
    if config is None or await SsoStore(kring.meetings.engine).session_via(token) != "sso":
        return None
    try:
        metadata = await _metadata(config)
    except (httpx.HTTPError, ValueError, SsoFailed):
        return None
    end = metadata.get("end_session_endpoint")
    if not isinstance(end, str) or not end:
        return None
    query = urlencode(
        {"client_id": config.client_id, "post_logout_redirect_uri": f"{kring.settings.public_url.rstrip('/')}/login"}
    )
    return f"{end}{'&' if '?' in end else '?'}{query}"
