"""Real Chromium for the tests about what a person sees: the Debian package, never a downloaded build.

Without Chromium or without the built bundle the test skips with the reason, unless REQUIRE_BROWSER=1
(set by .ci/run): then it fails.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, ConsoleMessage, Dialog, Page, async_playwright

from tests.utils import facilitator_auth

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parent.parent
BUNDLE = ROOT / "web" / "static" / "dist" / "room.js"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # The pages follow the browser's language (Accept-Language) on a first visit: the tests' browser
    # is a Dutch practitioner's, as the pages' words in them are; a test of another language gives
    # its context `locale=` (which wins over this).
    "--accept-lang=nl-NL,nl",
]

# Collects what the page itself reports; installed before any of the page's own scripts run.
_WATCH_CSP = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(e.violatedDirective + ' ' + e.blockedURI);
});
"""


def _missing(reason: str) -> None:
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


def _require_browser() -> None:
    if not CHROMIUM.exists():
        _missing(f"{CHROMIUM} is missing (apt-get install chromium)")
    if not BUNDLE.exists():
        _missing(f"{BUNDLE.relative_to(ROOT)} is not built (run `make web`)")


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    _require_browser()
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


@dataclass
class Watched:
    """A page and everything suspicious it did: dialogs, console errors, uncaught errors."""

    page: Page
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    async def csp_violations(self) -> list[str]:
        found: list[str] = await self.page.evaluate("window.__csp || []")
        return found

    async def assert_clean(self) -> None:
        assert self.dialogs == []
        assert self.errors == []
        assert await self.csp_violations() == []


async def watched_page(context: BrowserContext) -> Watched:
    page = await context.new_page()
    watched = Watched(page)

    async def on_dialog(dialog: Dialog) -> None:
        watched.dialogs.append(f"{dialog.type}: {dialog.message}")
        await dialog.dismiss()

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            watched.errors.append(message.text)

    def on_page_error(error: Any) -> None:
        watched.errors.append(str(error))

    page.on("dialog", on_dialog)
    page.on("console", on_console)
    page.on("pageerror", on_page_error)
    await page.add_init_script(_WATCH_CSP)
    return watched


def record_frames(page: Page) -> list[bytes]:
    """Every WebSocket frame the page receives from now on, as bytes (text frames UTF-8 encoded)."""
    frames: list[bytes] = []

    def on_frame(payload: str | bytes) -> None:
        frames.append(payload.encode() if isinstance(payload, str) else bytes(payload))

    def on_websocket(socket: Any) -> None:
        socket.on("framereceived", on_frame)

    page.on("websocket", on_websocket)
    return frames


async def browser_storage(page: Page) -> dict[str, Any]:
    """What the page's origin keeps in the browser besides HttpOnly cookies: must be nothing."""
    found: dict[str, Any] = await page.evaluate(
        """async () => ({
            local: localStorage.length,
            session: sessionStorage.length,
            indexedDB: (await indexedDB.databases()).map((db) => db.name),
            caches: await caches.keys(),
            workers: (await navigator.serviceWorker.getRegistrations()).length,
            cookie: document.cookie,
        })"""
    )
    return found


NOTHING_STORED = {"local": 0, "session": 0, "indexedDB": [], "caches": [], "workers": 0, "cookie": ""}


def require_bundles(*pages: str) -> None:
    """Skip (or fail under REQUIRE_BROWSER=1) unless these pages' entry modules are built."""
    for name in pages:
        bundle = BUNDLE.parent / f"{name}.js"
        if not bundle.exists():
            _missing(f"{bundle.relative_to(ROOT)} is not built (run `make web`)")


async def log_in_as_room_facilitator(context: BrowserContext, server_url: str, *rooms: str) -> None:
    """Give the context the session cookie of the test facilitator of these rooms (made if needed), as
    a facilitator's browser has after /login: sockets connect as `{room}` plus this HttpOnly cookie."""
    session = ""
    for room in rooms:
        session = (await facilitator_auth(server_url, room))["session"]
    await context.add_cookies(
        [{"name": "kring_session", "value": session, "url": server_url, "httpOnly": True, "sameSite": "Strict"}]
    )


# -- accessibility: axe-core against WCAG 2.2 AA ------------------------------------------------------------
# axe-core is a pinned devDependency (web/package.json), installed by `make setup`; never from a CDN.
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

_AXE_RUN = """async (tags) => {
  const result = await window.axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => ({target: n.target.join(' '), html: n.html.slice(0, 160), why: n.failureSummary}))
  }))
}"""


async def axe_violations(page: Page) -> list[dict[str, Any]]:
    """What axe-core finds on the page as it is now, with the WCAG 2.2 AA tags (empty: clean)."""
    if not AXE.exists():
        _missing(f"{AXE.relative_to(ROOT)} is missing (run `make setup`)")
    if not await page.evaluate("typeof window.axe === 'object'"):
        # Evaluated through the DevTools protocol, which a page's CSP does not govern (a <script>
        # tag would be refused by it); wrapped in a function because the source is statements.
        await page.evaluate("() => {" + AXE.read_text() + "\n}")
    found: list[dict[str, Any]] = await page.evaluate(_AXE_RUN, WCAG_AA_TAGS)
    return found


def describe_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} — {len(v['nodes'])} node(s)")
        lines.extend(f"    {n['target']}  {n['html']}\n      {n['why']}".replace("\n", "\n      ") for n in v["nodes"])
    return "\n".join(lines)


async def assert_axe_clean(page: Page, where: str = "") -> None:
    """Fail with every violation axe-core finds (rule, nodes and why) on the page as it is now."""
    violations = await axe_violations(page)
    assert not violations, f"axe-core on {where or page.url}:\n{describe_violations(violations)}"
