"""The production log set-up (`logs.configure`) inside a test, and what it wrote."""

from __future__ import annotations

import contextlib
import json
import logging
import sys
import threading
from collections.abc import Iterator
from typing import Any

import sqlalchemy.exc

from server.logs import configure

MARKER = "Zwaantje-canary"
_TOUCHED = ("", "kring", "uvicorn", "uvicorn.error", "uvicorn.access")


class Records(logging.Handler):
    """Every record that reached the root logger while the JSON handler was installed."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextlib.contextmanager
def production_logs(level: str = "debug") -> Iterator[Records]:
    """`configure` as `kring serve` runs it (JSON on stderr), undone afterwards."""
    saved = [
        (logger, logger.handlers[:], logger.level, logger.propagate)
        for logger in (logging.getLogger(name) for name in _TOUCHED)
    ]
    raise_exceptions = logging.raiseExceptions
    hooks = sys.excepthook, threading.excepthook, sys.unraisablehook
    records = Records()
    configure(level)
    logging.getLogger().addHandler(records)
    try:
        yield records
    finally:
        for logger, handlers, level_, propagate in saved:
            logger.handlers[:] = handlers
            logger.setLevel(level_)
            logger.propagate = propagate
        logging.raiseExceptions = raise_exceptions
        sys.excepthook, threading.excepthook, sys.unraisablehook = hooks


def json_lines(stderr: str) -> list[dict[str, Any]]:
    """Every line on stderr, each of which must be one JSON object."""
    lines = [json.loads(line) for line in stderr.splitlines() if line.strip()]
    assert all(isinstance(line, dict) for line in lines), stderr
    return lines


def database_error() -> sqlalchemy.exc.OperationalError:
    """What SQLAlchemy raises for a failing statement: its text quotes the parameters."""
    orig = RuntimeError(f"database is locked near {MARKER}")
    return sqlalchemy.exc.OperationalError("SELECT id FROM participants WHERE name = ?", (MARKER,), orig)
