"""Invite → set password → TOTP enrolment → console, in real Chromium, with the operator's default
(a second factor required of every password account).

An administrator (already enrolled) invites by e-mail address on /admin; no SMTP, so the page shows
the one-time link. The invited person opens it, chooses a password, scans nothing but types the code
pyotp computes from the key the page shows, keeps the recovery codes, and reaches the console. Then
the link is dead, and a new sign-in asks for the code before the console.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pyotp
import pytest
from playwright.async_api import Browser, expect

from server.store.credentials import Credentials
from server.store.migrate import migrate
from tests.browser import NOTHING_STORED, assert_axe_clean, browser, browser_storage, require_bundles, watched_page
from tests.meetings_helpers import PASSWORD, store_of
from tests.utils import RunningServer, run_server, settings_for

__all__ = ["browser"]  # the fixture, imported so pytest finds it

pytestmark = pytest.mark.browser
expect.set_options(timeout=20_000)  # argon2 for a password and ten recovery codes, on a busy machine

NEW_PASSWORD = "een lang genoeg wachtwoord"


@pytest.fixture
async def strict(tmp_path: Path) -> AsyncIterator[RunningServer]:
    settings = settings_for(tmp_path, env={"KRING_REQUIRE_SECOND_FACTOR": "1"})
    await asyncio.to_thread(migrate, settings.database_url)
    async with run_server(settings) as running:
        yield running


async def test_invite_set_password_enrol_and_reach_the_console(strict: RunningServer, browser: Browser) -> None:
    require_bundles("admin", "account", "login", "console")
    store = store_of(strict)
    admin = await store.add_facilitator("beheer@jeugdzorg.test", "Beheer", PASSWORD, roles=("admin",))
    credentials = Credentials(store)
    admin_secret = await credentials.begin_totp(admin.id)
    assert admin_secret is not None
    # Enrolled with the previous step's code, so the current one is still unused for the sign-in below.
    assert await credentials.confirm_totp(admin.id, pyotp.TOTP(admin_secret).at(time.time() - 30))

    # The administrator signs in: password, then the code, then the administration page.
    context = await browser.new_context()
    watched = await watched_page(context)
    page = watched.page
    await page.goto(f"{strict.url}/login?next=/admin")
    await page.get_by_label("E-mailadres").fill("beheer@jeugdzorg.test")
    await page.get_by_label("Wachtwoord").fill(PASSWORD)
    await page.get_by_role("button", name="Inloggen").click()
    await expect(page.get_by_role("heading", name="Tweede stap")).to_be_visible()
    await page.get_by_label("Code").fill(pyotp.TOTP(admin_secret).now())
    await page.get_by_role("button", name="Controleren").click()
    await expect(page.get_by_role("heading", name="Iemand uitnodigen")).to_be_visible()
    await assert_axe_clean(page, "/admin")
    await page.get_by_label("E-mailadres").fill("noor@jeugdzorg.test")
    await page.get_by_label("Naam", exact=True).fill("Noor")
    await page.get_by_role("button", name="Uitnodiging maken").click()
    link = page.locator("#invite-url")
    await expect(link).to_have_value(re.compile(re.escape(strict.url) + r"/account#[\w-]{20,}$"))
    url = await link.input_value()
    await assert_axe_clean(page, "/admin with a link to hand over")
    await watched.assert_clean()
    await context.close()

    # The invited person: the link, a password, the second factor, the console.
    context = await browser.new_context()
    watched = await watched_page(context)
    page = watched.page
    await page.goto(url)
    await expect(page.get_by_role("heading", name="Kies je wachtwoord")).to_be_visible()
    assert "#" not in page.url  # the token left the address bar
    await expect(page.get_by_text("noor@jeugdzorg.test")).to_be_visible()
    await assert_axe_clean(page, "/account (password)")
    await page.get_by_label("Nieuw wachtwoord").fill(NEW_PASSWORD)
    await page.get_by_label("Herhaal het wachtwoord").fill(NEW_PASSWORD)
    await page.get_by_role("button", name="Wachtwoord opslaan").click()
    await expect(page.get_by_role("heading", name="Stel de tweede stap in")).to_be_visible()
    await expect(page.get_by_role("img", name="QR-code voor je authenticator-app")).to_be_visible()
    # The QR image loaded (the server drew it): its natural size is not zero.
    assert await page.locator("img.totp-qr").evaluate("(img) => img.complete && img.naturalWidth > 0")
    await assert_axe_clean(page, "/account (enrolment)")
    secret = (await page.locator("#totp-secret").inner_text()).replace(" ", "")
    await page.get_by_label("Code uit de app").fill(pyotp.TOTP(secret).now())
    await page.get_by_role("button", name="Bevestigen").click()
    await expect(page.get_by_role("heading", name="Je herstelcodes")).to_be_visible()
    codes = await page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    await assert_axe_clean(page, "/account (recovery codes)")
    await page.get_by_role("link", name="Naar mijn zaken").click()
    await expect(page.get_by_role("heading", name="Zaken", exact=True)).to_be_visible()
    await page.wait_for_url(f"{strict.url}/console")
    assert await browser_storage(page) == NOTHING_STORED  # no secret, code or token kept in the browser
    await watched.assert_clean()

    # The link worked once.
    await page.goto(url)
    await expect(page.get_by_text("Deze link werkt niet meer")).to_be_visible()

    # Signed out and in again: the code is asked for before the console; a recovery code does too.
    await page.goto(f"{strict.url}/console")
    await page.get_by_role("button", name="Uitloggen").click()
    await page.wait_for_url(f"{strict.url}/login")
    await page.get_by_label("E-mailadres").fill("noor@jeugdzorg.test")
    await page.get_by_label("Wachtwoord").fill(NEW_PASSWORD)
    await page.get_by_role("button", name="Inloggen").click()
    await expect(page.get_by_role("heading", name="Tweede stap")).to_be_visible()
    await page.get_by_label("Code").fill("000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    await page.get_by_role("button", name="Controleren").click()
    await expect(page.locator("#code-error")).to_be_visible()
    await assert_axe_clean(page, "/login (second step, wrong code)")
    await page.get_by_label("Code").fill(codes[0])
    await page.get_by_role("button", name="Controleren").click()
    await expect(page.get_by_role("heading", name="Zaken", exact=True)).to_be_visible()
    await context.close()
