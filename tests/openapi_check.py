"""Every API answer a test gets, checked against the OpenAPI document the server itself serves.

`contract_hooks(server)` gives httpx event hooks: each response of /api/… must have its status
documented for its path and method, and a JSON body must match the schema documented for that
status. A response that drifts from the document (a field renamed, dropped or of another type, an
undocumented status) fails the test that got it.
"""

from __future__ import annotations

import re
import weakref
from typing import Any

import httpx
import jsonschema

from tests.utils import RunningServer

Document = dict[str, Any]
_documents: weakref.WeakKeyDictionary[RunningServer, Document] = weakref.WeakKeyDictionary()


def _operation(document: Document, method: str, path: str) -> tuple[str, Document]:
    """The documented path template a concrete path falls under, and its operation for `method`."""
    templates = sorted(document["paths"], key=lambda t: t.count("{"))  # literal segments win over {ids}
    for template in templates:
        pattern = "^" + re.sub(r"\\\{[^}]*\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path):
            operation = document["paths"][template].get(method.lower())
            assert operation is not None, f"{method} {template} is not in the OpenAPI document"
            return template, operation
    raise AssertionError(f"{method} {path} matches no path of the OpenAPI document")


def check(document: Document, response: httpx.Response) -> None:
    """Assert that `response` (its body read) is what the document says its operation answers."""
    request = response.request
    template, operation = _operation(document, request.method, request.url.path)
    where = f"{request.method} {template} -> {response.status_code}"
    documented = operation["responses"].get(str(response.status_code))
    assert documented is not None, f"{where}: status not documented"
    media = response.headers.get("content-type", "").split(";", 1)[0].strip()
    content = documented.get("content", {})
    if not response.content:
        return
    assert media in content, f"{where}: {media} not documented (only {sorted(content)})"
    if media != "application/json":
        return
    schema = {"components": document["components"], **content[media]["schema"]}
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(response.json()), key=str)
    assert not errors, f"{where}: the body does not match the documented schema: " + "; ".join(
        f"{'/'.join(map(str, e.absolute_path)) or '(body)'}: {e.message}" for e in errors[:5]
    )


async def served_document(server: RunningServer) -> Document:
    if server not in _documents:
        async with httpx.AsyncClient(base_url=server.url) as plain:
            served = await plain.get("/api/openapi.json")
        assert served.status_code == 200
        _documents[server] = served.json()
    return _documents[server]


def contract_hooks(server: RunningServer) -> dict[str, list[Any]]:
    """httpx event hooks that check every /api/ response against `server`'s own OpenAPI document."""

    async def on_response(response: httpx.Response) -> None:
        path = response.request.url.path
        if not path.startswith("/api/") or path == "/api/openapi.json":
            return
        await response.aread()
        check(await served_document(server), response)

    return {"response": [on_response]}
