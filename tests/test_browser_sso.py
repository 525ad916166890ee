"""Single sign-on in real Chromium: the log-in page's organisation button, the provider's own login
form (tests/oidc/provider.mjs), the console, and signing out at both ends; the page with the
button passes axe-core."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from tests.browser import axe_violations, browser, describe_violations, watched_page
from tests.oidc_provider import Provider, provider, sso_server

__all__ = ["browser", "provider"]

pytestmark = pytest.mark.browser
expect.set_options(timeout=15_000)


async def test_sign_in_through_the_provider_to_the_console_and_out(
    tmp_path: Path, provider: Provider, browser: Browser
) -> None:
    async with sso_server(tmp_path, provider) as server:
        context = await browser.new_context()
        try:
            watched = await watched_page(context)
            page = watched.page
            await page.goto(f"{server.url}/login")
            button = page.locator("#sso-login")
            await expect(button).to_have_text("Inloggen met uw organisatie")
            violations = await axe_violations(page)
            assert not violations, describe_violations(violations)

            await button.click()
            # The provider's development login form: any password for a known person.
            await page.locator("input[name=login]").fill("alice")
            await page.locator("input[name=password]").fill("whatever")
            await page.locator("button[type=submit]").click()
            await page.wait_for_url(f"{server.url}/console")
            # The provider's development pages ask for things offline (web fonts, an icon): only
            # Kring's own page is held to a clean console, drawn afresh.
            watched.errors.clear()
            await page.reload()
            await expect(page.locator("h1")).to_be_visible()
            me = await page.evaluate("fetch('/api/me').then((r) => r.json())")
            assert me["email"] == "alice@example.org"
            await watched.assert_clean()

            # Out of Kring, then out at the provider (its confirmation page), and back to the log-in.
            await page.locator("#logout").click()
            await page.wait_for_url(f"{provider.issuer}/**")
            await page.locator("button[name=logout][value=yes]").click()
            await page.wait_for_url(f"{server.url}/login")
            status = await page.evaluate("fetch('/api/me').then((r) => r.status)")
            assert status == 401
        finally:
            await context.close()


async def test_a_refusal_is_said_on_the_log_in_page(tmp_path: Path, provider: Provider, browser: Browser) -> None:
    async with sso_server(tmp_path, provider, KRING_PASSWORD_LOGIN="off") as server:
        context = await browser.new_context()
        try:
            watched = await watched_page(context)
            page = watched.page
            await page.goto(f"{server.url}/login")
            await page.locator("#sso-login").click()
            await page.locator("input[name=login]").fill("carol")
            await page.locator("input[name=password]").fill("whatever")
            await page.locator("button[type=submit]").click()
            await page.wait_for_url(f"{server.url}/login?sso=refused")
            watched.errors.clear()
            await page.reload()
            await expect(page.locator("#error")).to_contain_text("geeft u (nog) geen toegang")
            # Password log-in is off: the form is put away, the button and the message stay.
            await expect(page.locator("#login")).to_be_hidden()
            await expect(page.locator("#sso-login")).to_be_visible()
            violations = await axe_violations(page)
            assert not violations, describe_violations(violations)
            await watched.assert_clean()
        finally:
            await context.close()
