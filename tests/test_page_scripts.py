"""Each page shell loads one entry module of the built client and names, for the browser to fetch
beside it, exactly the shared chunks that entry imports (web/build.mjs splits them out so a phone
that has opened one page holds most of the next one's code)."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.browser import BUNDLE
from tests.meetings_helpers import browser
from tests.utils import RunningServer

PAGES = {
    "/": "index",
    "/login": "login",
    "/join": "join",
    "/board": "phone",
    "/projector": "projector",
    "/account": "account",
}
ENTRY = re.compile(r'<script type="module" src="/static/dist/([a-z]+)\.js"></script>')
PRELOAD = re.compile(r'<link rel="modulepreload" href="/static/dist/([^"]+)">')
# esbuild's minified imports: `import{a as b}from"./chunks/x.js"`, `import"./x.js"`, with ../ in chunks.
IMPORT = re.compile(r'(?:^|[;}\s])import\s*(?:[^\'"]*?from\s*)?["\'](\.{1,2}/[^"\']+)["\']')


def _resolve(base: str, relative: str) -> str:
    parts = base.split("/")[:-1]
    for part in relative.split("/"):
        if part == "..":
            parts.pop()
        elif part != ".":
            parts.append(part)
    return "/".join(parts)


async def _imported(http: httpx.AsyncClient, entry: str) -> set[str]:
    """Every module the entry imports statically, however deep, as paths under dist/."""
    found: set[str] = set()
    todo = [entry]
    while todo:
        path = todo.pop()
        response = await http.get(f"/static/dist/{path}")
        assert response.status_code == 200, path
        assert "javascript" in response.headers["content-type"], path
        for relative in IMPORT.findall(response.text):
            module = _resolve(path, relative)
            if module not in found:
                found.add(module)
                todo.append(module)
    return found


@pytest.mark.parametrize("path", PAGES)
async def test_a_page_loads_its_entry_and_preloads_the_chunks_it_imports(server: RunningServer, path: str) -> None:
    if not BUNDLE.exists():
        pytest.skip("the web client is not built (run `make web`)")
    async with browser(server) as http:
        page = (await http.get(path)).text
        assert ENTRY.findall(page) == [PAGES[path]]
        preloaded = PRELOAD.findall(page)
        assert len(preloaded) == len(set(preloaded))
        assert set(preloaded) == await _imported(http, f"{PAGES[path]}.js")
        chunk = await http.get(f"/static/dist/{preloaded[0]}")
    # Chunks are named by their content's hash: a browser keeps them without asking again.
    assert chunk.headers["cache-control"] == "public, max-age=31536000, immutable"
