"""The printed exports in real Chromium: the meeting record (the HTML its PDF is made from) and the
children's version, on screen and printed, with screenshots and PDFs in test-artifacts/ for review.
Each page loads nothing but its own stylesheet from this server, within the pages' CSP."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, Request

from server.settings import Settings
from tests.browser import ARTIFACTS, browser, watched_page
from tests.exports_helpers import demo_server, pdf_text

__all__ = ["browser"]  # the fixture, imported so pytest finds it

pytestmark = pytest.mark.browser

A4 = {"width": 794, "height": 1123}  # CSS pixels of an A4 page at 96 dpi


async def test_the_record_and_the_childrens_version_render_in_chromium_and_as_pdf(
    settings: Settings, browser: Browser
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    async with demo_server(settings) as demo:
        url = demo.server.url
        context = await browser.new_context(base_url=url, viewport=A4)
        await context.add_cookies(
            [
                {
                    "name": "kring_session",
                    "value": demo.client.cookies["kring_session"],
                    "url": url,
                    "httpOnly": True,
                    "sameSite": "Strict",
                }
            ]
        )
        watched = await watched_page(context)
        page = watched.page
        requested: list[str] = []

        def on_request(request: Request) -> None:
            requested.append(request.url)

        page.on("request", on_request)
        shots = [
            ("export.html", "export-record-nl", "Verslag: Netwerkberaad 2"),
            ("export.html?lang=en", "export-record-en", "Record: Netwerkberaad 2"),
            ("children.html", "export-children-nl", "Wat we hebben afgesproken"),
            ("children.html?lang=en", "export-children-en", "What we agreed"),
        ]
        for path, name, title in shots:
            answer = await page.goto(f"/api/rooms/{demo.mother}/{path}")
            assert answer is not None and answer.status == 200
            assert await page.locator("h1").inner_text() == title
            # The print stylesheet applied: the type is the children's (large) or the record's.
            size = await page.evaluate("getComputedStyle(document.body).fontSize")
            assert float(size.removesuffix("px")) > (20 if "children" in path else 12), size
            await page.screenshot(path=str(ARTIFACTS / f"{name}-screen.png"), full_page=True)
            await page.emulate_media(media="print")
            await page.screenshot(path=str(ARTIFACTS / f"{name}-print.png"), full_page=True)
            await page.pdf(path=str(ARTIFACTS / f"{name}-chromium.pdf"), format="A4", print_background=True)
            await page.emulate_media(media="screen")
        await watched.assert_clean()
        assert requested and all(r.startswith(f"{url}/") for r in requested), requested
        assert {r.split("?")[0].removeprefix(url) for r in requested} <= {
            f"/api/rooms/{demo.mother}/export.html",
            f"/api/rooms/{demo.mother}/children.html",
            "/static/print.css",
            "/static/icon.svg",
        }

        # The same HTML as PDF, by WeasyPrint: saved beside the screenshots, and readable.
        for path, name, must in [
            ("export.pdf", "export-record-nl-weasyprint", "Veiligheidsplan: afspraken"),
            ("children.pdf", "export-children-nl-weasyprint", "Teken hier"),
        ]:
            pdf = await demo.client.get(f"/api/rooms/{demo.mother}/{path}")
            assert pdf.status_code == 200
            (ARTIFACTS / f"{name}.pdf").write_bytes(pdf.content)
            assert must in pdf_text(pdf.content)
        await context.close()
