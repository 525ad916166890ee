"""create_app(settings) -> the ASGI application: Starlette for HTTP, wrapped by Socket.IO."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route

from server import digest, html_shell, memory, metrics, web_pages
from server.latency import LoopLag
from server.meetings.http import deletion
from server.meetings.http.audit_address import AuditAddress
from server.meetings.http.routes import routes as meeting_routes
from server.process import Kring
from server.relay import NoRelay, Relay
from server.relay.redis import RedisRelay
from server.rooms.live import LiveRooms
from server.rooms.registry import RoomRegistry
from server.settings import Settings
from server.static_files import CompressedStaticFiles
from server.store.engine import create_engine
from server.store.meetings import MeetingStore
from server.store.updatelog import UpdateLog
from server.store.validity import ValidityStore
from server.transport import SocketTransport

STATIC_DIR = Path(__file__).resolve().parent.parent / "web" / "static"


def build(settings: Settings) -> Kring:
    engine = create_engine(settings.database_url)
    update_log = UpdateLog(engine, commit_window_ms=settings.commit_window_ms)
    meetings = MeetingStore(engine, idle_after=timedelta(minutes=settings.idle_minutes))
    transport = SocketTransport(settings, meetings)
    relay: Relay = RedisRelay(settings.redis_url, settings.redis_prefix) if settings.redis_url else NoRelay()
    registry = RoomRegistry(
        update_log,
        transport,
        idle_seconds=settings.room_idle_seconds,
        broadcast_window_ms=settings.broadcast_window_ms,
        compact_after_updates=settings.compact_after_updates,
        relay=relay,
    )
    transport.attach(registry)
    return Kring(
        settings, engine, update_log, transport, registry, relay, meetings, LiveRooms(registry, transport), LoopLag()
    )


def create_app(settings: Settings) -> Any:
    kring = build(settings)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await kring.log.start()
        await kring.relay.start(kring.registry)
        kring.loop_lag.start()
        kring.transport.start_revalidation(ValidityStore(kring.engine), kring.settings.revalidate_seconds)
        # Meetings past their retention period are deleted by every process (docs/exports.md).
        sweeps = asyncio.create_task(deletion.run_sweeps(kring), name="kring-retention")
        # The daily review digest, where the operator configured SMTP (docs/operations.md).
        mails = asyncio.create_task(digest.run_digests(kring), name="kring-digest") if settings.smtp else None
        try:
            yield
        finally:
            await deletion.stop(sweeps)
            await digest.stop(mails)
            await kring.loop_lag.stop()
            await kring.transport.close()
            await kring.registry.close()
            await kring.relay.close()
            await kring.log.close()
            await kring.engine.dispose()

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_request: Request) -> Response:
        checks: dict[str, str] = {}
        try:
            async with kring.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"unreachable: {type(exc).__name__}"
        if kring.log.failing:
            checks["database"] = "commits failing"
        if kring.settings.redis_url:
            checks["redis"] = "ok" if kring.relay.healthy else "unreachable"
        ready = all(v == "ok" for v in checks.values())
        return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)

    async def counters(request: Request) -> Response:
        """Aggregate counters (no room names, no content) for `make bench` and operators; loopback only."""
        if request.client is None or request.client.host not in ("127.0.0.1", "::1"):
            return JSONResponse({"error": "not found"}, status_code=404)
        stats = kring.log.stats
        # Since the process started, rooms unloaded meanwhile included: a bench's deltas stay honest
        # when rooms come and go.
        totals = {key: int(value) for key, value in vars(kring.registry.totals()).items()}
        lag = kring.loop_lag.histogram
        heap = memory.heap()
        return JSONResponse(
            {
                "store": {
                    "commits": stats.commits,
                    "rows": stats.rows,
                    "failures": stats.failures,
                    "queued": kring.log.queued,
                    "commit_seconds_total": round(stats.commit_seconds_total, 6),
                },
                "transport": {
                    "connections": len(kring.transport.connections),
                    "connects": kring.transport.counters.connects,
                    "disconnects": kring.transport.counters.disconnects,
                    "refused": kring.transport.counters.refused,
                },
                "rooms": {"live": len(kring.registry.rooms), **totals},
                # How often the event loop ran a timer late by more than each bound (a stall shows here).
                "loop": {
                    "lag_samples": lag.count,
                    **{
                        f"lag_over_{round(bound * 1000)}ms": lag.count - sum(lag.counts[: i + 1])
                        for i, bound in enumerate(lag.bounds)
                        if bound >= 0.005
                    },
                },
                "memory": {
                    "resident": heap.resident,
                    "malloc_in_use": heap.in_use,
                    "malloc_free": heap.free,
                    "python_blocks": heap.python_blocks,
                },
            }
        )

    async def metrics_page(request: Request) -> Response:
        """Prometheus text format. From loopback, or with `Authorization: Bearer $METRICS_TOKEN`."""
        token = kring.settings.metrics_token
        given = request.headers.get("authorization", "")
        loopback = request.client is not None and request.client.host in ("127.0.0.1", "::1")
        if not (loopback or (token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()))):
            return JSONResponse({"error": "not found"}, status_code=404)
        return PlainTextResponse(metrics.render(kring), media_type="text/plain; version=0.0.4")

    STATIC_DIR.mkdir(parents=True, exist_ok=True)
    routes: list[Any] = [
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/internal/counters", counters),
        Route("/metrics", metrics_page),
        Route("/", html_shell.index),
        Route("/r/{room}", html_shell.room_page),
        *meeting_routes(kring),
        *web_pages.routes(),
        Mount("/static", CompressedStaticFiles(directory=STATIC_DIR), name="static"),
    ]
    http = Starlette(
        routes=routes,
        middleware=html_shell.middleware(https=settings.public_url.startswith("https://")),
        lifespan=lifespan,
    )
    http.state.kring = kring
    # Outermost, so a socket's "connect" is audited with its address as an HTTP request is.
    app = AuditAddress(kring.transport.asgi(http))
    app.kring = kring
    return app
