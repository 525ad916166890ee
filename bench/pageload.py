"""`python -m bench.pageload`: how long the client's pages take to load over a slow phone network.

Starts a server (bench.procs), opens the join page and the projector page (without a token it
says so, once every module has run) in Chromium with the network slowed to a phone's (`--rtt`
ms, `--kbps` down), and reports the time to the load event, which waits for every module script.
Each page is loaded as served (the shared chunks named in `<link rel="modulepreload">`) and with
those links taken out (the browser finds each chunk only in the module that imports it), with an
empty cache; both pass the page through the same interception (which also turns the browser's
cache off, so only first loads are measured). `kring serve` does not compress: the raw bytes
travel. Median of `--runs`.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
from typing import Any

from playwright.async_api import Browser, Route, async_playwright

from bench.procs import start_server

PAGES = ["/join", "/projector"]
PRELOAD = re.compile(r'<link rel="modulepreload"[^>]*>\n?')


async def load_time(browser: Browser, url: str, preload: bool, rtt: int, kbps: int) -> float:
    """Milliseconds to the load event of a first visit, in a fresh context."""
    context = await browser.new_context()
    page = await context.new_page()

    async def serve(route: Route) -> None:
        response = await route.fetch()
        body = await response.text()
        await route.fulfill(response=response, body=body if preload else PRELOAD.sub("", body))

    await page.route(url, serve)
    cdp = await context.new_cdp_session(page)
    await cdp.send("Network.enable")
    throughput = kbps * 1000 / 8
    await cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": rtt, "downloadThroughput": throughput, "uploadThroughput": throughput / 2},
    )
    await page.goto(url, wait_until="load")
    timing: Any = await page.evaluate("performance.getEntriesByType('navigation')[0].toJSON()")
    await context.close()
    return float(timing["loadEventStart"])


async def measure(runs: int, rtt: int, kbps: int) -> None:
    server = start_server()
    try:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox", "--disable-gpu"]
            )
            try:
                print(f"network: {rtt} ms latency, {kbps} kbit/s; median of {runs} loads")
                print(f"{'page':12} {'preload':8} {'load ms':>8}")
                for path in PAGES:
                    for preload in (True, False):
                        url = server.origin + path
                        found = [await load_time(browser, url, preload, rtt, kbps) for _ in range(runs)]
                        print(f"{path:12} {'yes' if preload else 'no':8} {statistics.median(found):>8.0f}")
            finally:
                await browser.close()
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rtt", type=int, default=150, help="added latency per request, ms")
    parser.add_argument("--kbps", type=int, default=1600, help="download throughput, kbit/s")
    args = parser.parse_args()
    asyncio.run(measure(args.runs, args.rtt, args.kbps))


if __name__ == "__main__":
    main()
