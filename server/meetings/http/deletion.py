"""Forgetting a meeting: after its retention period, or at once when a facilitator says so.

The board is a working tool, not the dossier (domain.md): once a meeting is exported into the
organisation's file, the board deletes it. Closing a meeting schedules that for
`KRING_RETENTION_DAYS` after `closed_at`; a task in every server process deletes what is due.

Deleting a meeting removes, for each of its rooms: the live room (its sockets are kicked, in this
process and through Redis in the others, and its documents dropped from memory), the update log
and snapshots of every document, the participants, any Redis key under the room's prefix, and the
room's uploads directory. The meeting and room rows stay as a tombstone (status "deleted", no
title, no names) so the audit log, which refers to them by id, still reads; the audit entry
"delete" says who and why, never what.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import shutil
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from server.meetings.domain import photos
from server.meetings.http import bodies, cases
from server.meetings.http.access import meeting_of
from server.meetings.http.bodies import read_body
from server.meetings.http.endpoint import ApiError
from server.meetings.http.session import current_facilitator
from server.meetings.render import answers
from server.rooms.live import LiveRooms
from server.rooms.registry import RoomRegistry
from server.settings import Settings
from server.store.meetings import MeetingStore
from server.store.updatelog import UpdateLog

log = logging.getLogger("kring.retention")

# How often each process looks for meetings past their retention. Deletion is due after days, so
# minutes late is fine; the first look is at start-up.
SWEEP_SECONDS = 600.0
# How long a kicked socket gets to go before its room's memory is dropped anyway.
KICK_WAIT_SECONDS = 5.0
# Room ids are drawn by server.auth.new_id; anything else is never used as a path.
_ROOM_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class Parts(Protocol):
    """The parts of the running server (server.app.Kring) that deletion reaches."""

    settings: Settings
    meetings: MeetingStore
    live: LiveRooms
    log: UpdateLog
    registry: RoomRegistry


async def _forget_live(kring: Parts, room_id: str) -> None:
    """Kick the room's sockets everywhere and drop the room from this process's memory.

    Other processes drop theirs when their room goes idle (its sockets are kicked through Redis);
    what they still commit meanwhile is deleted by the next sweep (`purge_deleted_documents`)."""
    kring.live.close_room(room_id)
    registry = kring.registry
    room = registry.get(room_id)
    if room is None:
        return
    deadline = asyncio.get_running_loop().time() + KICK_WAIT_SECONDS
    while room.peers and asyncio.get_running_loop().time() < deadline:  # noqa: ASYNC110 (no event to wait on)
        await asyncio.sleep(0.05)
    await room.close()  # everything it accepted is committed, so the delete below gets it all
    if registry.rooms.get(room_id) is room and not room.peers:
        registry.forget(room)  # what the idle unload does, without the wait


async def _forget_redis(settings: Settings, room_ids: list[str]) -> int:
    """Delete any Redis key under a room's prefix. The relay itself keeps no keys (pub/sub only);
    this covers whatever a later feature or another version stored there."""
    if not settings.redis_url or not room_ids:
        return 0
    import redis.asyncio as redis

    client = redis.from_url(settings.redis_url)
    removed = 0
    try:
        for room_id in room_ids:
            async for key in client.scan_iter(match=f"{settings.redis_prefix}:*{room_id}*", count=500):
                removed += int(await client.delete(key))
    finally:
        await client.aclose()
    return removed


def _forget_files(settings: Settings, room_id: str) -> None:
    """The room's uploads (child tools' photos, server.meetings.domain.photos), and anything else a later
    feature keeps in the room's own directory."""
    if not _ROOM_ID.match(room_id):
        return
    folder = photos.uploads_dir(settings) / room_id
    if folder.exists():
        shutil.rmtree(folder)


async def _forget_freed_pages(kring: Parts) -> None:
    """SQLite keeps deleted rows' bytes in free pages and the WAL until they are reused: rebuild
    the file so the deleted content is not on disk any more. PostgreSQL's dead tuples are not in
    a file we hand out, and autovacuum reclaims them."""
    engine = kring.meetings.engine
    if engine.dialect.name != "sqlite":
        return
    async with engine.connect() as conn:
        autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.execute(text("VACUUM"))
        await autocommit.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))


async def delete_meeting(kring: Parts, meeting_id: str, *, actor_kind: str, actor_id: str | None, why: str) -> bool:
    """Delete a meeting's content everywhere; False if it was already deleted. Safe to repeat, and
    safe to run in two processes at once: every step deletes what is there."""
    store = kring.meetings
    meeting = await store.meeting(meeting_id)
    if meeting is None or meeting.status == "deleted":
        return False
    if meeting.status == "deleting" and actor_kind == "system":
        why = "resumed"  # begun before (by a facilitator or a sweep) and cut short: not a retention call
    await store.begin_deletion(meeting_id)
    room_ids = [room.id for room in await store.rooms_of(meeting_id)]
    for room_id in room_ids:
        await _forget_live(kring, room_id)
    for room_id in room_ids:
        await kring.log.delete_room(room_id)
        _forget_files(kring.settings, room_id)
    # Redis before the tombstone: if it fails, the meeting stays "deleting" and the next sweep
    # does all of it again, audit entry included.
    await _forget_redis(kring.settings, room_ids)
    await store.erase_meeting(meeting_id)
    await store.purge_deleted_documents()
    await store.audit(
        "delete",
        actor_kind=actor_kind,
        actor_id=actor_id,
        case_id=meeting.case_id,
        meeting_id=meeting_id,
        detail=f"{why} rooms={len(room_ids)}",
    )
    log.info("meeting deleted", extra={"meeting": meeting_id, "why": why})
    try:
        await _forget_freed_pages(kring)
    except Exception as exc:  # a busy SQLite file: the rows are gone; their bytes go at the next deletion's VACUUM
        log.warning("vacuum after deletion failed", extra={"error": type(exc).__name__})
    return True


async def sweep(kring: Parts, moment: datetime | None = None) -> int:
    """Delete every meeting past its retention (and finish any half-done deletion); returns how many."""
    cutoff = (moment or datetime.now(UTC)) - timedelta(days=kring.settings.retention_days)
    deleted = 0
    for meeting_id in await kring.meetings.meetings_due_for_deletion(cutoff):
        if await delete_meeting(kring, meeting_id, actor_kind="system", actor_id=None, why="retention"):
            deleted += 1
    await kring.meetings.purge_deleted_documents()
    return deleted


async def run_sweeps(kring: Parts, interval: float = SWEEP_SECONDS) -> None:
    """The background task of server.app's lifespan: sweep now, then every `interval` seconds."""
    while True:
        try:
            await sweep(kring)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the store is down: the next sweep tries again
            log.error("retention sweep failed", extra={"error": type(exc).__name__})
        await asyncio.sleep(interval)


async def stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def _deleted() -> ApiError:
    return ApiError(410, "deleted", "Deze bijeenkomst is verwijderd. / This meeting was deleted.")


async def delete_now(request: Request) -> Response:
    """POST /api/meetings/{id}/delete: the facilitator deletes the meeting at once (closing it first)."""
    person = await current_facilitator(request)
    meeting = await meeting_of(request, person, request.path_params["meeting_id"])
    await read_body(request, bodies.NoBody)
    kring = request.app.state.kring
    if meeting.status != "deleted":
        await delete_meeting(kring, meeting.id, actor_kind="facilitator", actor_id=str(person.id), why="now")
    deleted: answers.Deleted = {"id": meeting.id, "status": "deleted"}
    return JSONResponse(deleted)


async def close_meeting(request: Request) -> Response:
    """Closing, as server.meetings.http.cases has it, except that a deleted meeting stays deleted (closing
    it again would put it back in the retention queue and write a second "delete")."""
    person = await current_facilitator(request)
    meeting = await meeting_of(request, person, request.path_params["meeting_id"])
    if meeting.status in ("deleting", "deleted"):
        await read_body(request, bodies.NoBody)
        raise _deleted()
    return await cases.close_meeting(request)
