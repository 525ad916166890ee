"""The operator's view: Prometheus text exposition of the process's counters, and event-loop lag.

Only numbers: no room names, no note text, no person. See docs/operations.md for what to watch.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from server import memory

if TYPE_CHECKING:
    from server.process import Kring


def _metric(kind: str, name: str, help_: str, samples: Iterable[str]) -> list[str]:
    return [f"# HELP {name} {help_}", f"# TYPE {name} {kind}", *samples]


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def render(kring: Kring) -> str:
    stats = kring.log.stats
    rooms = kring.registry.totals()
    transport = kring.transport.counters
    scalars: list[tuple[str, str, str, float]] = [
        ("gauge", "connections", "Open Socket.IO connections.", len(kring.transport.connections)),
        ("counter", "connects_total", "Accepted connections.", transport.connects),
        (
            "counter",
            "slow_readers_dropped_total",
            "Sockets dropped: send queue full.",
            transport.slow_readers_dropped,
        ),
        ("counter", "rate_limited_total", "Frames held back by a connection's rate limit.", transport.rate_limited),
        ("gauge", "rooms_loaded", "Rooms in memory.", len(kring.registry.rooms)),
        ("counter", "rooms_unloaded_total", "Rooms unloaded once idle and stored.", kring.registry.unloaded),
        ("counter", "updates_in_total", "Document updates received from clients.", rooms.updates_in),
        ("counter", "updates_stored_total", "Document updates appended to the log.", rooms.updates_stored),
        ("counter", "updates_out_total", "Document updates broadcast to a room.", rooms.broadcasts),
        ("counter", "resyncs_requested_total", "State-vector exchanges asked for.", rooms.resyncs_requested),
        ("counter", "bytes_in_total", "Bytes of sync and awareness frames received.", transport.bytes_in),
        ("counter", "bytes_out_total", "Bytes of broadcast frames queued to sockets.", transport.bytes_out),
        ("counter", "store_commits_total", "Group commits of the update log.", stats.commits),
        ("counter", "store_rows_total", "Rows committed to the update log.", stats.rows),
        ("counter", "store_failures_total", "Failed commit attempts (each is retried).", stats.failures),
        ("gauge", "store_failing", "1 while commits fail: nothing new is acknowledged.", int(kring.log.failing)),
        ("gauge", "store_queued", "Updates waiting for the next commit.", kring.log.queued),
    ]
    # Memory as the allocators see it: a leak raises in-use bytes, fragmentation only free bytes and RSS.
    heap = memory.heap()
    for name, help_, amount in (
        ("process_resident_bytes", "Resident memory of this process.", heap.resident),
        ("malloc_in_use_bytes", "Bytes malloc has handed out (documents, buffers).", heap.in_use),
        ("malloc_free_bytes", "Bytes malloc holds free in its arenas.", heap.free),
        ("python_allocated_blocks", "Python's small-object blocks in use.", heap.python_blocks),
    ):
        if amount is not None:  # not on every platform
            scalars.append(("gauge", name, help_, amount))
    relay = getattr(kring.relay, "counters", None)
    if relay is not None:
        scalars += [
            ("gauge", "redis_connected", "1 while the Redis relay is subscribed.", int(kring.relay.healthy)),
            ("counter", "redis_published_total", "Messages published to room channels.", relay.published),
            ("counter", "redis_publish_failures_total", "Messages Redis did not take.", relay.publish_failures),
            ("counter", "redis_received_total", "Messages received for hosted rooms.", relay.received),
            ("counter", "redis_reconnects_total", "Relay (re)connections to Redis.", relay.reconnects),
            (
                "counter",
                "redis_relayed_updates_total",
                "Document updates applied from another process (a room split over processes).",
                relay.updates_relayed,
            ),
            (
                "counter",
                "redis_updates_unshared_total",
                "Document updates not published: no other process hosts the room.",
                relay.updates_unshared,
            ),
        ]
    out: list[str] = []
    for kind, metric, text, value in scalars:
        out += _metric(kind, f"kring_{metric}", text, [f"kring_{metric} {value}"])
    refused = [f'kring_refused_total{{reason="{code}"}} {n}' for code, n in sorted(transport.refused.items())]
    out += _metric("counter", "kring_refused_total", "Refused frames and connections, by reason.", refused)
    if relay is not None:
        # By room id (an opaque key, never a title): with a balancer that routes by room
        # (deploy/haproxy.cfg), every hosted room shows 0 here except during a failover.
        by_room = [
            f'kring_redis_relayed_updates_by_room{{room="{_label(room)}"}} {n}'
            for room, n in sorted(relay.updates_relayed_by_room.items())
        ]
        out += _metric(
            "gauge",
            "kring_redis_relayed_updates_by_room",
            "Document updates relayed from other processes, per room hosted here (since it was hosted).",
            by_room,
        )
    commit = "kring_store_commit_seconds"
    out += _metric("histogram", commit, "Time of one group commit.", stats.latency.lines(commit))
    lag = "kring_event_loop_lag_seconds"
    out += _metric("histogram", lag, "How late the event loop ran a timer.", kring.loop_lag.histogram.lines(lag))
    return "\n".join(out) + "\n"
