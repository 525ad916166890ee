"""The fold of a room's log into one snapshot per document, run in a worker process.

Yrs holds the GIL while it integrates, so a fold on a thread stops the event loop that carries
every room's edits (docs/performance.md: 0.3 to 6 s in the soak). Everything here crosses a process
boundary: plain bytes, ints and strings go in, plain data comes out, and nothing imports the store.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from typing import Any

from pycrdt import Doc

from server.crdt import integrate, is_rust_panic

Row = tuple[int, str, bytes]  # a log row: id, document name, update


@dataclass(frozen=True)
class DocFold:
    doc: str
    snapshot: bytes
    upto: int
    folded: list[int]  # ids of the rows the snapshot holds; the rest wait for a dependency


@dataclass(frozen=True)
class FoldOutcome:
    folds: list[DocFold]
    error: str | None  # the exception's type name when the fold failed (then `folds` is empty)
    pid: int  # the process that folded: tells a worker's fold from a thread's


FoldFunction = Callable[[dict[str, bytes], list[Row]], list[DocFold]]


def fold_room(snapshots: dict[str, bytes], rows: list[Row]) -> list[DocFold]:
    """Replay each document's snapshot and rows (in id order) into a fresh Doc.

    Only documents with rows are folded: one with a snapshot alone is already as short as it gets.
    """
    by_doc: dict[str, list[tuple[int, bytes]]] = {}
    for update_id, doc_name, data in rows:
        by_doc.setdefault(doc_name, []).append((update_id, data))
    folds = []
    for doc_name, updates in by_doc.items():
        doc: Doc[Any] = Doc()
        snapshot = snapshots.get(doc_name)
        # Rows are in commit order, which across processes is not causal order, hence `integrate`.
        # An update still waiting for its dependencies stays in the log, so nothing is lost.
        waiting = set(integrate(doc, ([snapshot] if snapshot is not None else []) + [data for _, data in updates]))
        folded = [uid for uid, data in updates if data not in waiting]
        folds.append(DocFold(doc_name, doc.get_update(), max(uid for uid, _ in updates), folded))
    return folds


def run_fold(fold: FoldFunction, snapshots: dict[str, bytes], rows: list[Row]) -> FoldOutcome:
    """Fold, and report a failure as data: the caller then leaves the log and snapshot alone.

    A Rust panic arrives as a BaseException; caught here it reaches the server as a failed fold
    instead of an exception that `except Exception` around the compaction would let through.
    """
    try:
        folds = fold(snapshots, rows)
    except Exception as exc:
        return FoldOutcome([], type(exc).__name__, os.getpid())
    except BaseException as exc:
        if not is_rust_panic(exc):
            raise
        return FoldOutcome([], type(exc).__name__, os.getpid())
    return FoldOutcome(folds, None, os.getpid())


def worker_started() -> None:
    """Initialiser of the worker.

    Ctrl-C in the server's terminal reaches the whole process group, and the server stops its worker
    itself; an interrupted fold would only fail a compaction. And a server that is killed (OOM, kill
    -9) never stops it: the worker holds both ends of its task queue, so it would wait for a task
    forever. It watches the server instead, and goes with it.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_with, args=(parent,), name="kring-fold-parent", daemon=True).start()


def _exit_with(parent: BaseProcess) -> None:
    parent.join()  # returns once the server's end of the spawn pipe closes: it is gone
    os._exit(0)


def ready() -> int:
    """The worker's first task: it proves the process starts and can import what folding needs."""
    return os.getpid()
