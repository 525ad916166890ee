"""The export endpoints of one room: JSON, print HTML, PDF, and the children's version of the last two.

What an export holds, and who may ask for it: render/export_content.py.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from server.catalogue import language
from server.meetings.http import safetypeople
from server.meetings.http.access import room_of
from server.meetings.http.endpoint import parts
from server.meetings.http.session import current_facilitator
from server.meetings.render import printing
from server.meetings.render.export_content import child_drawings, room_content
from server.store.meetings import RoomAccess


def _attachment(access: RoomAccess, kind: str, extension: str) -> dict[str, str]:
    # No names in the file name: it ends up in download folders and mail attachments.
    day = datetime.now(UTC).date().isoformat()
    return {
        "Content-Disposition": f'attachment; filename="kring-{kind}-{access.room_id}-{day}.{extension}"',
        "Cache-Control": "no-store",
    }


async def _exported(request: Request, what: str) -> tuple[RoomAccess, dict[str, Any]]:
    person = await current_facilitator(request)
    access = await room_of(request, person, request.path_params["room_id"])
    content = await room_content(parts(request), access)
    await parts(request).meetings.audit(
        "export", actor_kind="facilitator", actor_id=str(person.id), access=access, detail=f"format={what}"
    )
    return access, content


def _lang(request: Request) -> str:
    return language(request.query_params.get("lang"))


async def export_json(request: Request) -> Response:
    access, content = await _exported(request, "json")
    return JSONResponse(content, headers=_attachment(access, "export", "json"))


async def export_html(request: Request) -> Response:
    _access, content = await _exported(request, "html")
    return HTMLResponse(printing.report_html(content, _lang(request)), headers={"Cache-Control": "no-store"})


async def export_pdf(request: Request) -> Response:
    access, content = await _exported(request, "pdf")
    settings = parts(request).settings
    html = printing.report_html(content, _lang(request))
    # WeasyPrint is CPU-bound: off the event loop, so the live rooms keep their rhythm meanwhile.
    pdf = await asyncio.to_thread(printing.render_pdf, html, settings.public_url)
    return Response(pdf, media_type="application/pdf", headers=_attachment(access, "export", "pdf"))


async def _children(request: Request, what: str) -> tuple[RoomAccess, str]:
    """The children's version's page, with the drawings and the safety people's photos in it."""
    access, content = await _exported(request, what)
    kring = parts(request)
    drawings = await asyncio.to_thread(child_drawings, kring, access, content)
    people = await kring.meetings.participants_of(access.room_id)
    chosen = {p.id: p.safety_person for p in people}
    portraits = await asyncio.to_thread(safetypeople.portraits, kring.settings, access.room_id, people)
    return access, printing.children_html(content, _lang(request), drawings, chosen, portraits)


async def children_html(request: Request) -> Response:
    _access, html = await _children(request, "children_html")
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})


async def children_pdf(request: Request) -> Response:
    access, html = await _children(request, "children_pdf")
    pdf = await asyncio.to_thread(printing.render_pdf, html, parts(request).settings.public_url)
    return Response(pdf, media_type="application/pdf", headers=_attachment(access, "children", "pdf"))
