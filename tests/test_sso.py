"""Single sign-on against a real OpenID Connect provider (tests/oidc/provider.mjs, the certified
`oidc-provider`): the whole authorization code flow with PKCE over HTTP, groups to roles and teams,
refusals, a tampered state, an expired ID token, and sign-out at both ends."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import httpx
import pytest
from sqlalchemy import select

from server.store.migrate import migrate
from server.store.models import AuditEntry, Facilitator, FacilitatorSession, SsoIdentity, Team, TeamMember
from tests.oidc_provider import Provider, end_at_provider, no_redirects, provider, sign_in, sso_server, to_callback
from tests.openapi_check import check, served_document
from tests.utils import RunningServer

__all__ = ["provider"]

NAMES = ("alice", "Alice", "bob", "Bob", "carol", "Carol", "dave", "Dave", "example.org", "marketing", "kring-admins")


async def _rows(server: RunningServer, model: type) -> list:  # type: ignore[type-arg]
    async with server.kring.meetings.sessions() as db:
        return list(await db.scalars(select(model)))


async def _me(http: httpx.AsyncClient, server: RunningServer) -> httpx.Response:
    return await http.get(f"{server.url}/api/me")


async def _teams_of(server: RunningServer, facilitator_id: int) -> set[str]:
    teams = {t.id: t.name for t in await _rows(server, Team)}
    return {teams[m.team_id] for m in await _rows(server, TeamMember) if m.facilitator_id == facilitator_id}


async def test_sign_in_follows_the_real_flow_and_maps_groups(
    tmp_path: Path, provider: Provider, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with sso_server(tmp_path, provider) as server, no_redirects() as http:
        landing = await sign_in(http, server.url, "alice")
        assert landing.status_code == 200
        assert 'content="0;url=/console"' in landing.text
        me = await _me(http, server)
        assert me.status_code == 200
        assert me.json()["email"] == "alice@example.org"
        assert set(me.json()["roles"]) == {"admin", "facilitator"}
        [person] = await _rows(server, Facilitator)
        assert person.password_hash == ""  # signs in only through the provider
        assert await _teams_of(server, person.id) == {"Noord"}
        [identity] = await _rows(server, SsoIdentity)
        assert (identity.issuer, identity.subject, identity.facilitator_id) == (provider.issuer, "alice", person.id)
        [session] = await _rows(server, FacilitatorSession)
        assert (session.via, session.stage) == ("sso", "full")
        [entry] = [e for e in await _rows(server, AuditEntry) if e.action == "sso_login"]
        assert (entry.actor_id, entry.detail) == (str(person.id), "created")
        # The flow's cookie is gone once used.
        assert "kring_oidc" not in http.cookies
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records if r.name.startswith("kring"))
    assert "sso login" in logged
    assert not [name for name in NAMES if name in logged]


async def test_the_same_subject_is_the_same_person_and_roles_follow_the_groups(
    tmp_path: Path, provider: Provider, database_url: str
) -> None:
    async with sso_server(tmp_path, provider, database_url=database_url) as server:
        async with no_redirects() as http:
            assert (await sign_in(http, server.url, "bob")).status_code == 200
            assert set((await _me(http, server)).json()["roles"]) == {"facilitator"}
        [bob] = await _rows(server, Facilitator)
        assert await _teams_of(server, bob.id) == {"Noord", "Zuid"}

        await provider.set_groups("bob", ["kring-admins", "team-zuid"])
        async with no_redirects() as http:
            assert (await sign_in(http, server.url, "bob")).status_code == 200
            assert (await _me(http, server)).json()["roles"] == ["admin"]
        assert [p.id for p in await _rows(server, Facilitator)] == [bob.id]
        assert await _teams_of(server, bob.id) == {"Zuid"}
        # A team that exists is joined, not made twice.
        assert sorted(t.name for t in await _rows(server, Team)) == ["Noord", "Zuid"]

        # A deactivated account stays out, whatever the provider says.
        async with server.kring.meetings.sessions.begin() as db:
            (await db.get(Facilitator, bob.id)).active = False  # type: ignore[union-attr]
        async with no_redirects() as http:
            assert (await sign_in(http, server.url, "bob")).headers["location"] == "/login?sso=refused"
        details = [e.detail for e in await _rows(server, AuditEntry) if e.action == "sso_refused"]
        assert details == ["deactivated"]


async def test_a_person_without_a_mapped_group_is_refused(
    tmp_path: Path, provider: Provider, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with sso_server(tmp_path, provider) as server, no_redirects() as http:
        refused = await sign_in(http, server.url, "carol")
        assert refused.status_code == 303
        assert refused.headers["location"] == "/login?sso=refused"
        assert "kring_session" not in http.cookies
        assert (await _me(http, server)).status_code == 401
        assert await _rows(server, Facilitator) == []
        assert await _rows(server, SsoIdentity) == []
        [entry] = [e for e in await _rows(server, AuditEntry) if e.action.startswith("sso")]
        assert (entry.action, entry.actor_id, entry.detail) == ("sso_refused", None, "no_mapped_group")
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records if r.name.startswith("kring"))
    assert "sso refused" in logged
    assert not [name for name in NAMES if name in logged]


async def test_unknown_people_are_refused_when_not_created(tmp_path: Path, provider: Provider) -> None:
    async with sso_server(tmp_path, provider, KRING_OIDC_NEW_PEOPLE="refuse") as server:
        async with no_redirects() as http:
            assert (await sign_in(http, server.url, "dave")).headers["location"] == "/login?sso=refused"
        assert await _rows(server, Facilitator) == []
        # An account made here first is linked by the address the provider vouches for, once.
        made = await server.kring.meetings.add_facilitator("dave@example.org", "D.", "a long password here")
        async with no_redirects() as http:
            assert (await sign_in(http, server.url, "dave")).status_code == 200
            assert (await _me(http, server)).json()["id"] == made.id
        [identity] = await _rows(server, SsoIdentity)
        assert (identity.subject, identity.facilitator_id) == ("dave", made.id)
        details = [e.detail for e in await _rows(server, AuditEntry) if e.action == "sso_refused"]
        assert details == ["unknown_person"]


async def test_a_tampered_state_is_refused(tmp_path: Path, provider: Provider) -> None:
    async with sso_server(tmp_path, provider) as server, no_redirects() as http:
        callback = await to_callback(http, server.url, "alice")
        parts = urlsplit(callback)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        query["state"] = query["state"][:-2] + ("AA" if not query["state"].endswith("AA") else "BB")
        refused = await http.get(urlunsplit(parts._replace(query=urlencode(query))))
        assert refused.status_code == 303
        assert refused.headers["location"] == "/login?sso=failed"
        assert (await _me(http, server)).status_code == 401
        # The flow was spent: the genuine answer, replayed, finds no flow to finish.
        replayed = await http.get(callback)
        assert replayed.headers["location"] == "/login?sso=failed"
        assert (await _me(http, server)).status_code == 401
        details = [e.detail for e in await _rows(server, AuditEntry) if e.action == "sso_failed"]
        assert details == ["bad_state", "no_flow"]
        assert await _rows(server, Facilitator) == []


async def test_a_callback_from_another_browser_is_refused(tmp_path: Path, provider: Provider) -> None:
    """Login CSRF: someone else's answer, opened in a browser that did not start the flow."""
    async with sso_server(tmp_path, provider) as server:
        async with no_redirects() as attacker:
            callback = await to_callback(attacker, server.url, "alice")
        async with no_redirects() as victim:
            refused = await victim.get(callback)
            assert refused.headers["location"] == "/login?sso=failed"
            assert "kring_session" not in victim.cookies


async def test_an_expired_id_token_is_refused(tmp_path: Path, provider: Provider) -> None:
    async with sso_server(tmp_path, provider) as server:
        # Tokens issued two hours ago: the ID token (an hour's life) expired an hour ago.
        await provider.set_clock(-7200)
        async with no_redirects() as http:
            refused = await sign_in(http, server.url, "alice")
            assert refused.headers["location"] == "/login?sso=failed"
            assert (await _me(http, server)).status_code == 401
        details = [e.detail for e in await _rows(server, AuditEntry) if e.action == "sso_failed"]
        assert details == ["id_token_expired"]
        assert await _rows(server, Facilitator) == []
        # The same person on the right clock signs in: it was the token's age that was refused.
        await provider.set_clock(0)
        async with no_redirects() as http:
            assert (await sign_in(http, server.url, "alice")).status_code == 200


async def test_sign_out_ends_the_session_here_and_at_the_provider(tmp_path: Path, provider: Provider) -> None:
    async with sso_server(tmp_path, provider) as server, no_redirects() as http:
        assert (await sign_in(http, server.url, "alice")).status_code == 200
        out = await http.delete(
            f"{server.url}/api/session", headers={"Origin": server.url, "Content-Type": "application/json"}
        )
        assert out.status_code == 200
        check(await served_document(server), out)
        redirect = urlsplit(out.json()["redirect"])
        assert f"{redirect.scheme}://{redirect.netloc}" == provider.issuer
        assert parse_qs(redirect.query) == {
            "client_id": ["kring"],
            "post_logout_redirect_uri": [f"{server.url}/login"],
        }
        assert (await _me(http, server)).status_code == 401
        assert await _rows(server, FacilitatorSession) == []
        back = await end_at_provider(http, out.json()["redirect"])
        assert back.status_code in (302, 303)
        assert back.headers["location"] == f"{server.url}/login"
        # The provider forgot the person: signing in again asks for the login form (to_callback fills it).
        again = await http.get(f"{server.url}/auth/oidc/login")
        form = await http.get(again.headers["location"], follow_redirects=True)
        assert 'name="login"' in form.text


async def test_a_password_session_signs_out_as_before(tmp_path: Path, provider: Provider) -> None:
    async with sso_server(tmp_path, provider) as server, no_redirects() as http:
        await server.kring.meetings.add_facilitator("erik@example.org", "E.", "a long password here")
        json_headers = {"Origin": server.url, "Content-Type": "application/json"}
        login = await http.post(
            f"{server.url}/api/session",
            json={"email": "erik@example.org", "password": "a long password here"},
            headers={"Origin": server.url},
        )
        assert login.status_code == 204
        out = await http.delete(f"{server.url}/api/session", headers=json_headers)
        assert out.status_code == 204


async def test_password_login_can_be_turned_off(tmp_path: Path, provider: Provider) -> None:
    async with sso_server(tmp_path, provider, KRING_PASSWORD_LOGIN="off") as server, no_redirects() as http:
        await server.kring.meetings.add_facilitator("erik@example.org", "E.", "a long password here")
        offer = await http.get(f"{server.url}/api/sso")
        check(await served_document(server), offer)
        assert offer.json() == {"sso": True, "password_login": False}
        refused = await http.post(
            f"{server.url}/api/session",
            json={"email": "erik@example.org", "password": "a long password here"},
            headers={"Origin": server.url},
        )
        assert refused.status_code == 403
        assert refused.json()["error"] == "password_login_off"
        check(await served_document(server), refused)
        assert "kring_session" not in http.cookies


async def test_without_sso_the_routes_say_so(server: RunningServer) -> None:
    async with no_redirects() as http:
        offer = await http.get(f"{server.url}/api/sso")
        assert offer.json() == {"sso": False, "password_login": True}
        check(await served_document(server), offer)
        for path in ("/auth/oidc/login", "/auth/oidc/callback?code=x&state=y"):
            answer = await http.get(f"{server.url}{path}")
            assert answer.status_code == 404
            assert answer.json()["error"] == "sso_off"


def test_settings_refuse_a_half_configuration(tmp_path: Path) -> None:
    from server.settings import Settings

    base = {"KRING_VAR_DIR": str(tmp_path), "SECRET_KEY": "k"}
    issuer = {"KRING_OIDC_ISSUER": "https://login.example.org", "KRING_OIDC_CLIENT_ID": "kring"}
    complete = {**issuer, "KRING_OIDC_CLIENT_SECRET": "s", "KRING_OIDC_ROLE_MAP": "g=facilitator"}
    with pytest.raises(ValueError, match="CLIENT_SECRET"):
        Settings.from_env({**base, **issuer})
    with pytest.raises(ValueError, match="unknown roles"):
        Settings.from_env({**base, **complete, "KRING_OIDC_ROLE_MAP": "g=superuser"})
    with pytest.raises(ValueError, match="group=value"):
        Settings.from_env({**base, **complete, "KRING_OIDC_TEAM_MAP": "just-a-group"})
    with pytest.raises(ValueError, match="nobody could sign in"):
        Settings.from_env({**base, "KRING_PASSWORD_LOGIN": "off"})
    settings = Settings.from_env({**base, **complete, "KRING_OIDC_ROLE_MAP": "g=facilitator,g=team_lead"})
    assert settings.oidc is not None
    assert settings.oidc.role_map == (("g", "facilitator"), ("g", "team_lead"))
    assert settings.oidc.scopes == "openid email profile"


async def test_failed_callbacks_are_throttled_per_address(tmp_path: Path, provider: Provider) -> None:
    """Each failure costs an audit entry (and, with a flow, a call to the provider): a stream of
    forged answers from one address stops being processed after a few."""
    from starlette.routing import Route

    from server.meetings.http.routes import FREE_LOGIN_TRIES
    from server.meetings.http.sso import Callback

    async with sso_server(tmp_path, provider) as server, no_redirects() as http:
        starlette: Any = server.app  # the Starlette app sits under the middlewares and the Socket.IO app
        while not hasattr(starlette, "routes"):
            starlette = getattr(starlette, "other_asgi_app", None) or starlette.app
        [route] = [r for r in starlette.routes if isinstance(r, Route) and r.path == "/auth/oidc/callback"]
        callback = route.endpoint.__wrapped__  # type: ignore[attr-defined]
        assert isinstance(callback, Callback)
        callback.throttle.first = 900.0  # a block then outlasts this test, however slow the machine
        for _ in range(FREE_LOGIN_TRIES + 3):
            answer = await http.get(f"{server.url}/auth/oidc/callback", params={"code": "x", "state": "y"})
            assert answer.headers["location"] == "/login?sso=failed"
        failed = [e for e in await _rows(server, AuditEntry) if e.action == "sso_failed"]
        assert len(failed) == FREE_LOGIN_TRIES + 1
        assert callback.throttle.retry_after("127.0.0.1") > 0


async def test_the_request_carries_pkce_state_and_nonce_in_a_scoped_cookie(tmp_path: Path, provider: Provider) -> None:
    async with sso_server(tmp_path, provider) as server, no_redirects() as http:
        start = await http.get(f"{server.url}/auth/oidc/login", params={"next": "//elsewhere.example"})
        asked = parse_qs(urlsplit(start.headers["location"]).query)
        assert asked["code_challenge_method"] == ["S256"]
        assert len(asked["code_challenge"][0]) == 43  # base64url of a SHA-256
        assert asked["redirect_uri"] == [f"{server.url}/auth/oidc/callback"]
        assert asked["scope"] == ["openid email profile groups"]
        assert len(asked["state"][0]) >= 32 and len(asked["nonce"][0]) >= 32
        cookie = start.headers["set-cookie"].lower()
        assert cookie.startswith("kring_oidc=")
        for part in ("httponly", "samesite=lax", "path=/auth/oidc", "max-age=600"):
            assert part in cookie
        # A destination off this site is replaced by the console.
        landing = await http.get(await to_callback(http, server.url, "alice", next_path="//elsewhere.example"))
        assert 'content="0;url=/console"' in landing.text


async def test_an_unreachable_provider_is_said(tmp_path: Path) -> None:
    from tests.utils import free_port, run_server, settings_for

    closed = f"http://127.0.0.1:{free_port()}"
    env = {**Provider(issuer=closed, kring_port=0).env()}
    settings = settings_for(tmp_path, env=env)
    await asyncio.to_thread(migrate, settings.database_url)
    async with run_server(settings) as server, no_redirects() as http:
        answer = await http.get(f"{server.url}/auth/oidc/login")
        assert answer.headers["location"] == "/login?sso=unavailable"
        assert "kring_oidc" not in http.cookies
