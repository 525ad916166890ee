"""Invitations, one-time links, the second factor (TOTP) and the idle timeout.

The store on SQLite and PostgreSQL (single use, expiry, hashes only, a wrong code, a recovery code
once, the idle end); over HTTP with the operator's default (a second factor required): the invite →
password → enrolment → signed-in path, the throttle, and that a session at stage "enrol" opens
nothing but the enrolment routes.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest
from sqlalchemy import select, update

from server.auth import token_hash
from server.meetings.http.routes import FREE_LOGIN_TRIES, routes
from server.meetings.http.session import first_stage
from server.settings import Settings
from server.store.credentials import Credentials
from server.store.engine import create_engine
from server.store.meetings import MeetingStore, now
from server.store.migrate import migrate
from server.store.models import AccountToken, AuditEntry, Facilitator, FacilitatorSession, RecoveryCode
from server.store.validity import ValidityStore
from tests.meetings_helpers import PASSWORD, store_of
from tests.meetings_helpers import browser as api_browser
from tests.test_digest import Inbox, body, smtp  # noqa: F401 (the fixture)
from tests.utils import RunningServer, run_server, settings_for

NEW_PASSWORD = "a long enough new password"


def browser(server: RunningServer) -> httpx.AsyncClient:
    # argon2 (a password, ten recovery codes) is slow by design, and slower on a busy machine.
    return api_browser(server, timeout=30)


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[MeetingStore]:
    engine = create_engine(database_url)
    try:
        yield MeetingStore(engine, idle_after=timedelta(minutes=30))
    finally:
        await engine.dispose()


# -- the store ------------------------------------------------------------------------------------


def _previous(secret: str) -> str:
    """The code of the time step before now (still accepted: one step of drift): enrolling with it
    leaves the current code unused, so a test can sign in with it at once."""
    return str(pyotp.TOTP(secret).at(time.time() - 30))


async def test_an_invitation_link_works_once_and_only_its_hash_is_kept(store: MeetingStore) -> None:
    credentials = Credentials(store)
    made = await credentials.invite("Nieuw@Jeugdzorg.test", "Noor")
    assert made is not None
    person, token = made
    assert not person.active and person.password_hash == ""
    assert await store.roles_of(person.id) == {"facilitator"}
    assert await credentials.invite("nieuw@jeugdzorg.test", "Noor") is None  # the address has an account
    async with store.sessions() as db:
        kept = list(await db.scalars(select(AccountToken.token_hash)))
    assert kept == [token_hash(token)] and token not in kept
    standing = await credentials.link_standing(token)
    assert standing is not None and (standing.email, standing.purpose) == ("nieuw@jeugdzorg.test", "invite")
    assert await store.check_login("nieuw@jeugdzorg.test", NEW_PASSWORD) is None  # inactive, no password
    used = await credentials.use_link(token, NEW_PASSWORD)
    assert used is not None and used[1] == "invite"
    assert await store.check_login("nieuw@jeugdzorg.test", NEW_PASSWORD) is not None
    # Once only: neither the page nor a second password gets anywhere with it.
    assert await credentials.link_standing(token) is None
    assert await credentials.use_link(token, "another password entirely") is None
    assert await store.check_login("nieuw@jeugdzorg.test", NEW_PASSWORD) is not None


async def test_an_expired_link_and_a_replaced_link_are_refused(store: MeetingStore) -> None:
    credentials = Credentials(store)
    person = await store.add_facilitator("f@jeugdzorg.test", "Fatima", PASSWORD)
    first = await credentials.make_link(person.id, "reset")
    second = await credentials.make_link(person.id, "reset")
    assert await credentials.link_standing(first) is None  # the newer link ended the older
    async with store.sessions.begin() as db:
        await db.execute(update(AccountToken).values(expires_at=now() - timedelta(seconds=1)))
    assert await credentials.link_standing(second) is None
    assert await credentials.use_link(second, NEW_PASSWORD) is None
    assert await store.check_login("f@jeugdzorg.test", PASSWORD) is not None  # nothing changed


async def test_a_reset_link_ends_every_session_and_leaves_a_deactivated_account_off(store: MeetingStore) -> None:
    credentials = Credentials(store)
    person = await store.add_facilitator("f@jeugdzorg.test", "Fatima", PASSWORD)
    session = await store.open_session(person.id)
    used = await credentials.use_link(await credentials.make_link(person.id, "reset"), NEW_PASSWORD)
    assert used is not None
    assert await store.session_facilitator(session) is None
    async with store.sessions.begin() as db:
        await db.execute(update(Facilitator).values(active=False))
    assert await credentials.use_link(await credentials.make_link(person.id, "reset"), PASSWORD) is not None
    assert await store.check_login("f@jeugdzorg.test", PASSWORD) is None


async def test_totp_needs_the_right_code_and_a_recovery_code_works_once(store: MeetingStore) -> None:
    credentials = Credentials(store)
    person = await store.add_facilitator("f@jeugdzorg.test", "Fatima", PASSWORD)
    secret = await credentials.begin_totp(person.id)
    assert secret is not None
    right = pyotp.TOTP(secret).now()
    wrong = f"{(int(right) + 500_000) % 1_000_000:06d}"
    assert await credentials.confirm_totp(person.id, wrong) is None
    assert not await credentials.check_totp(person.id, right)  # not on until confirmed
    codes = await credentials.confirm_totp(person.id, _previous(secret))
    assert codes is not None and len(set(codes)) == 10
    assert await credentials.begin_totp(person.id) is None  # enrolled: no new secret behind its back
    assert not await credentials.check_totp(person.id, _previous(secret))  # the enrolment's code: used
    assert await credentials.check_totp(person.id, right)
    assert not await credentials.check_totp(person.id, right)  # a code works once (RFC 6238, 5.2)
    assert not await credentials.check_totp(person.id, wrong)
    async with store.sessions() as db:
        hashes = list(await db.scalars(select(RecoveryCode.code_hash)))
    assert len(hashes) == 10 and not set(hashes) & {c.replace("-", "") for c in codes}
    assert await credentials.use_recovery_code(person.id, codes[3].upper())  # typed as read
    assert not await credentials.use_recovery_code(person.id, codes[3])
    assert not await credentials.use_recovery_code(person.id, "aaaaa-bbbbb")
    assert await credentials.recovery_codes_left(person.id) == 9
    await credentials.drop_second_factor(person.id)
    assert not await credentials.check_totp(person.id, right)
    assert await credentials.recovery_codes_left(person.id) == 0


async def test_an_idle_session_ends_and_use_is_written_at_most_once_a_minute(store: MeetingStore) -> None:
    person = await store.add_facilitator("f@jeugdzorg.test", "Fatima", PASSWORD)
    token = await store.open_session(person.id)
    key = token_hash(token)

    async def set_seen(ago: timedelta) -> None:
        async with store.sessions.begin() as db:
            await db.execute(
                update(FacilitatorSession).where(FacilitatorSession.id == key).values(last_seen_at=now() - ago)
            )

    async def seen() -> Any:
        async with store.sessions() as db:
            return await db.scalar(select(FacilitatorSession.last_seen_at).where(FacilitatorSession.id == key))

    await set_seen(timedelta(seconds=20))
    before = await seen()
    assert await store.session_facilitator(token) is not None
    assert await seen() == before  # used 20 s ago: no write
    await set_seen(timedelta(minutes=2))
    assert await store.session_facilitator(token) is not None
    assert await seen() != before  # written again
    await set_seen(timedelta(minutes=31))
    assert await store.session_facilitator(token) is None
    assert await seen() is None  # the row is gone: ended, not merely refused
    async with store.sessions() as db:
        actions = list(await db.scalars(select(AuditEntry.action)))
    assert "session_idle_ended" in actions


async def test_a_session_short_of_its_second_factor_opens_nothing_in_the_store(store: MeetingStore) -> None:
    person = await store.add_facilitator("f@jeugdzorg.test", "Fatima", PASSWORD)
    for stage in ("enrol", "second_factor"):
        token = await store.open_session(person.id, stage=stage)
        assert await store.session_facilitator(token) is None
        standing = await store.session_standing(token)
        assert standing is not None and standing.stage == stage
        await store.set_session_stage(standing.key, "full")
        assert await store.session_facilitator(token) is not None


def test_single_sign_on_skips_the_second_factor_and_the_operator_decides() -> None:
    person = Facilitator(email="f@x.test", name="F", password_hash="x", totp_enabled_at=None)
    assert first_stage(person, True) == "enrol"
    assert first_stage(person, False) == "full"
    assert first_stage(person, True, via="sso") == "full"
    person.totp_enabled_at = now()
    assert first_stage(person, False) == "second_factor"
    assert first_stage(person, True, via="sso") == "full"


def test_the_settings_require_a_second_factor_unless_turned_off(tmp_path: Path) -> None:
    base = {"KRING_VAR_DIR": str(tmp_path)}
    default = Settings.from_env(base)
    assert default.require_second_factor is True and default.idle_minutes == 30
    off = Settings.from_env({**base, "KRING_REQUIRE_SECOND_FACTOR": "off", "KRING_IDLE_MINUTES": "15"})
    assert off.require_second_factor is False and off.idle_minutes == 15
    for bad in ({"KRING_REQUIRE_SECOND_FACTOR": "maybe"}, {"KRING_IDLE_MINUTES": "0"}):
        with pytest.raises(ValueError):
            Settings.from_env({**base, **bad})


# -- over HTTP, with the second factor required (the operator's default) --------------------------


@pytest.fixture
async def strict(tmp_path: Path) -> AsyncIterator[RunningServer]:
    settings = settings_for(tmp_path, env={"KRING_REQUIRE_SECOND_FACTOR": "1"})
    await asyncio.to_thread(migrate, settings.database_url)
    async with run_server(settings) as running:
        yield running


async def _admin(server: RunningServer) -> httpx.AsyncClient:
    await store_of(server).add_facilitator("admin@jeugdzorg.test", "Beheer", PASSWORD, roles=("admin",))
    client = browser(server)
    login = await client.post("/api/session", json={"email": "admin@jeugdzorg.test", "password": PASSWORD})
    assert login.status_code == 204
    return client


async def _enrol(client: httpx.AsyncClient) -> tuple[str, list[str]]:
    begun = await client.post("/api/account/totp", json={})
    assert begun.status_code == 200, begun.text
    secret = begun.json()["secret"]
    assert begun.json()["uri"].startswith("otpauth://totp/")
    qr = await client.get("/api/account/totp/qr.svg")
    assert qr.status_code == 200 and qr.headers["content-type"].startswith("image/svg+xml")
    confirmed = await client.post("/api/account/totp/confirm", json={"code": _previous(secret)})
    assert confirmed.status_code == 200, confirmed.text
    return secret, confirmed.json()["recovery_codes"]


async def test_invite_set_password_enrol_and_sign_in_with_a_code_or_a_recovery_code(strict: RunningServer) -> None:
    # The administrator signs in with a password: at stage enrol, even they see nothing else first.
    admin = await _admin(strict)
    assert (await admin.get("/api/account")).json()["stage"] == "enrol"
    noor_address = {"email": "n@jeugdzorg.test", "name": "Noor"}
    assert (await admin.post("/api/admin/invites", json=noor_address)).status_code == 401
    await _enrol(admin)
    invited = await admin.post("/api/admin/invites", json=noor_address)
    assert invited.status_code == 201, invited.text
    assert invited.json()["mailed"] is False  # no SMTP: the administrator hands the link over
    url = invited.json()["url"]
    assert re.fullmatch(re.escape(strict.url) + r"/account#[\w-]{20,}", url)
    again = await admin.post("/api/admin/invites", json={"email": "N@jeugdzorg.test", "name": "Noor"})
    assert again.status_code == 409
    token = url.split("#", 1)[1]

    async with browser(strict) as noor:
        info = await noor.post("/api/account/link", json={"token": token})
        assert info.json() == {"email": "n@jeugdzorg.test", "name": "Noor", "purpose": "invite"}
        short = await noor.post("/api/account/password", json={"token": token, "password": "short"})
        assert short.status_code == 400 and short.json()["error"] == "weak_password"
        made = await noor.post("/api/account/password", json={"token": token, "password": NEW_PASSWORD})
        assert made.status_code == 200 and made.json()["stage"] == "enrol"
        assert (await noor.get("/api/cases")).status_code == 401
        reused = await noor.post("/api/account/password", json={"token": token, "password": NEW_PASSWORD})
        assert reused.status_code == 401 and reused.json()["error"] == "link_ended"
        wrong = await noor.post("/api/account/totp/confirm", json={"code": "000000"})
        assert wrong.status_code == 401 and wrong.json()["error"] == "bad_code"  # nothing begun yet
        secret, codes = await _enrol(noor)
        assert (await noor.get("/api/cases")).status_code == 200
        assert (await noor.get("/api/me")).json()["roles"] == ["facilitator"]
        assert (await noor.request("DELETE", "/api/session", json={})).status_code == 204

        async def sign_in() -> None:
            login = await noor.post("/api/session", json={"email": "n@jeugdzorg.test", "password": NEW_PASSWORD})
            assert login.status_code == 204
            assert (await noor.get("/api/account")).json()["stage"] == "second_factor"
            assert (await noor.get("/api/cases")).status_code == 401
            assert (await noor.post("/api/account/totp", json={})).status_code == 403  # not at this stage

        await sign_in()
        assert (await noor.post("/api/session/second-factor", json={"code": codes[0]})).status_code == 204
        assert (await noor.get("/api/cases")).status_code == 200
        await noor.request("DELETE", "/api/session", json={})
        await sign_in()
        used = await noor.post("/api/session/second-factor", json={"code": codes[0]})
        assert used.status_code == 401 and used.json()["error"] == "bad_code"  # a recovery code works once
        ok = await noor.post("/api/session/second-factor", json={"code": pyotp.TOTP(secret).now()})
        assert ok.status_code == 204
        assert (await noor.get("/api/cases")).status_code == 200
        assert (await noor.get("/api/account")).json()["second_factor"] is True

    async with strict.kring.meetings.sessions() as db:  # type: ignore[attr-defined]
        actions = list(await db.scalars(select(AuditEntry.action)))
    for action in ("account_invited", "password_set", "second_factor_enrolled", "second_factor_refused", "login"):
        assert action in actions
    await admin.aclose()


async def test_wrong_codes_are_throttled_even_for_the_right_code(strict: RunningServer) -> None:
    store = store_of(strict)
    person = await store.add_facilitator("f@jeugdzorg.test", "Fatima", PASSWORD)
    credentials = Credentials(store)
    secret = await credentials.begin_totp(person.id)
    assert secret is not None and await credentials.confirm_totp(person.id, _previous(secret))
    async with browser(strict) as fatima:
        await fatima.post("/api/session", json={"email": "f@jeugdzorg.test", "password": PASSWORD})
        right = pyotp.TOTP(secret).now()
        wrong = f"{(int(right) + 500_000) % 1_000_000:06d}"
        for _ in range(FREE_LOGIN_TRIES + 1):
            answer = await fatima.post("/api/session/second-factor", json={"code": wrong})
            assert answer.status_code == 401
        blocked = await fatima.post("/api/session/second-factor", json={"code": right})
        assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) >= 1
        assert (await fatima.get("/api/cases")).status_code == 401


async def test_a_session_at_stage_enrol_opens_only_the_enrolment_routes(strict: RunningServer) -> None:
    await store_of(strict).add_facilitator("f@jeugdzorg.test", "Fatima", PASSWORD, roles=("facilitator", "admin"))
    answered: set[tuple[str, str]] = set()
    async with browser(strict) as fatima:
        await fatima.post("/api/session", json={"email": "f@jeugdzorg.test", "password": PASSWORD})
        assert (await fatima.get("/api/account")).json()["stage"] == "enrol"
        for route in routes(strict.kring):
            path = getattr(route, "path", "")
            if not path.startswith("/api/"):
                continue
            filled = re.sub(r"\{[^}]+\}", "x1", path)
            for method in sorted(getattr(route, "methods", set()) - {"HEAD"}):
                if (method, path) in {("DELETE", "/api/session"), ("POST", "/api/session")}:
                    continue  # logging out (or in again) ends this test's session
                answer = await fatima.request(method, filled, json={})
                if answer.is_success:
                    answered.add((method, path))
    # What answers: the public document, what the log-in page offers, forgetting a link (asks nothing)
    # and the enrolment steps.
    assert answered == {
        ("GET", "/api/openapi.json"),
        ("GET", "/api/sso"),
        ("DELETE", "/api/plan"),
        ("DELETE", "/api/join"),
        ("GET", "/api/account"),
        ("POST", "/api/account/totp"),
        ("GET", "/api/account/totp/qr.svg"),
    }


async def test_an_administrator_resets_a_password_and_the_link_is_mailed(
    tmp_path: Path,
    smtp: tuple[Inbox, Any],  # noqa: F811 (the fixture imported above)
) -> None:
    inbox, server = smtp
    settings = settings_for(tmp_path, smtp=server)
    await asyncio.to_thread(migrate, settings.database_url)
    async with run_server(settings) as running:
        store = store_of(running)
        person = await store.add_facilitator("f@jeugdzorg.test", "Fatima", PASSWORD)
        async with browser(running) as fatima:
            await fatima.post("/api/session", json={"email": "f@jeugdzorg.test", "password": PASSWORD})
            assert (await fatima.get("/api/me")).status_code == 200
            admin = await _admin(running)
            refused = await fatima.post(f"/api/admin/accounts/{person.id}/reset", json={})
            assert refused.status_code == 403  # a facilitator is no administrator
            reset = await admin.post(f"/api/admin/accounts/{person.id}/reset", json={})
            assert reset.status_code == 200 and reset.json()["mailed"] is True
            assert (await fatima.get("/api/me")).status_code == 401  # the old sessions ended
            [message] = inbox.messages
            assert message["To"] == "f@jeugdzorg.test"
            assert reset.json()["url"] in body(message)
            token = reset.json()["url"].split("#", 1)[1]
            made = await fatima.post("/api/account/password", json={"token": token, "password": NEW_PASSWORD})
            assert made.status_code == 200 and made.json()["stage"] == "full"  # not required on this server
            assert (await fatima.get("/api/me")).status_code == 200
            missing = await admin.post("/api/admin/accounts/99999/reset", json={})
            assert missing.status_code == 404
            await admin.aclose()


async def test_an_open_board_socket_counts_as_use(store: MeetingStore) -> None:
    # Revalidation moves last_seen_at on for the sessions behind live sockets, at most once a minute.
    person = await store.add_facilitator("f@jeugdzorg.test", "Fatima", PASSWORD)
    token = await store.open_session(person.id)
    key = token_hash(token)
    validity = ValidityStore(store.engine)

    async def seen_after(ago: timedelta) -> Any:
        async with store.sessions.begin() as db:
            await db.execute(
                update(FacilitatorSession).where(FacilitatorSession.id == key).values(last_seen_at=now() - ago)
            )
        async with store.sessions() as db:
            before = await db.scalar(select(FacilitatorSession.last_seen_at).where(FacilitatorSession.id == key))
        await validity.keep_sessions_alive([key])
        async with store.sessions() as db:
            after = await db.scalar(select(FacilitatorSession.last_seen_at).where(FacilitatorSession.id == key))
        return before, after

    before, after = await seen_after(timedelta(seconds=20))
    assert after == before
    before, after = await seen_after(timedelta(minutes=29))
    assert after != before
    assert await store.session_facilitator(token) is not None
