"""`python -m bench.boardview`: what one remote edit costs the board view, in real Chromium.

A meeting's board (60 framework items, 18 rules, a dozen people's marks) is drawn by the real board
view (`web/src/boardview.js`) as a phone and as the wall show it, and by three synthetic views of
the same shape: every card built anew ('dom'), lit-html and Preact + htm keyed by the item's key
(Preact only when `npm install --no-save preact htm` was run in web/). Then another person edits one
item's text `--edits` times; each edit is timed from applying its update until the view has drawn
and the page is laid out again. Phone: 390x844, CPU slowed 4x; projector: 1920x1080. It also says
whether the focus stayed on a control in the middle of the board. See docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from playwright.async_api import Route, async_playwright

REPO = Path(__file__).resolve().parent.parent
WEB = REPO / "web"
ESBUILD = WEB / "node_modules" / ".bin" / "esbuild"
ORIGIN = "http://bench.invalid"
SCREENS = {
    "phone": {"viewport": {"width": 390, "height": 844}, "throttle": 4},
    "projector": {"viewport": {"width": 1920, "height": 1080}, "throttle": 1},
}
PAGE = """<!doctype html><html lang="nl"><head><meta charset="utf-8">
<link rel="stylesheet" href="/static/kring.css">{scripts}</head>
<body><main id="main" class="page"><div id="board" class="board-view"></div></main></body></html>"""


def build(out: Path) -> list[str]:
    """Bundle the bench page (and Preact's variant if Preact and htm are installed); the script names."""
    env = {**os.environ, "NODE_PATH": str(WEB / "node_modules")}
    entries = ["boardview_page.js"]
    if all((WEB / "node_modules" / name).exists() for name in ("preact", "htm")):
        entries.insert(0, "boardview_preact.js")
    for entry in entries:
        subprocess.run(
            [
                str(ESBUILD),
                str(REPO / "bench" / entry),
                "--bundle",
                "--format=esm",
                "--minify",
                "--target=es2019",
                '--define:process.env.NODE_ENV="production"',
                f"--outfile={out / entry}",
                "--log-level=warning",
            ],
            check=True,
            env=env,
        )
    return entries


async def measure(variants: list[str], items: int, rules: int, edits: int) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        scripts = build(out)
        if "preact" in variants and "boardview_preact.js" not in scripts:
            variants = [v for v in variants if v != "preact"]
        tags = "".join(f'<script type="module" src="/bench/{name}"></script>' for name in scripts)

        async def serve(route: Route) -> None:
            path = route.request.url.removeprefix(ORIGIN)
            if path == "/":
                await route.fulfill(body=PAGE.format(scripts=tags), content_type="text/html")
            elif path.startswith("/bench/"):
                await route.fulfill(path=out / path.removeprefix("/bench/"), content_type="text/javascript")
            elif path.startswith("/static/"):
                await route.fulfill(path=WEB / path.lstrip("/"))
            else:
                await route.fulfill(status=404)

        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox", "--disable-gpu"]
            )
            try:
                for screen, setup in SCREENS.items():
                    for variant in variants:
                        if screen == "projector" and variant == "phone":
                            continue
                        if screen == "phone" and variant == "wall":
                            continue
                        context = await browser.new_context(viewport=setup["viewport"])  # type: ignore[arg-type]
                        page = await context.new_page()
                        await page.route(f"{ORIGIN}/**", serve)
                        await page.goto(f"{ORIGIN}/")
                        await page.wait_for_function("typeof window.bench === 'function'")
                        cdp = await context.new_cdp_session(page)
                        await cdp.send("Emulation.setCPUThrottlingRate", {"rate": setup["throttle"]})
                        found = await page.evaluate(
                            "([v, s]) => window.bench(v, s)",
                            [variant, {"items": items, "rules": rules, "edits": edits}],
                        )
                        results.append({"screen": screen, **found})
                        await context.close()
            finally:
                await browser.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", default="phone,wall,dom,preact,lit")
    parser.add_argument("--items", type=int, default=60)
    parser.add_argument("--rules", type=int, default=18)
    parser.add_argument("--edits", type=int, default=200)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON lines")
    args = parser.parse_args()
    results = asyncio.run(measure(args.variants.split(","), args.items, args.rules, args.edits))
    if args.json:
        for row in results:
            print(json.dumps(row))
        return
    print(f"{'screen':10} {'view':8} {'nodes':>6} {'median ms':>10} {'p95 ms':>8} {'made/edit':>10}  focus kept")
    for r in results:
        print(
            f"{r['screen']:10} {r['variant']:8} {r['nodes']:>6} {r['median_ms']:>10.2f} {r['p95_ms']:>8.2f}"
            f" {r['made_per_edit']:>10.1f}  {'yes' if r['focus_kept'] else 'no'}"
        )


if __name__ == "__main__":
    main()
