"""Structured JSON logs. Callers pass ids and codes as `extra`; never note text or names.

An exception is logged by its type and where it happened, never by its message or arguments: a
database error quotes the statement's parameters (a participant's name), a decode error carries the
bytes it failed on, a KeyError the key.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
import traceback
from types import TracebackType
from typing import TextIO

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
# Past these, a chain or a group is cut short: a log line, not a dump.
_MAX_CHAIN = 8
_MAX_GROUP = 8
# The loggers of libraries whose messages quote objects: asyncio's second and later lines are reprs
# of the task and its exception (`exception=KeyError('<a name>')`).
_FIRST_LINE_ONLY = frozenset({"asyncio"})


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        # Never raises: logging's fallback for a failing format prints the record's message, its
        # arguments and the exception being handled (message included) to stderr.
        try:
            return self._format(record)
        except Exception as exc:
            return _bare_line(record, "log record could not be formatted", exc)

    def _format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.name.split(".")[0] in _FIRST_LINE_ONLY:
            message = message.split("\n", 1)[0]
        entry: dict[str, object] = {
            "ts": _timestamp(record),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": message,
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info and record.exc_info[0] is not None:
            exc_type, exc, tb = record.exc_info
            entry["error"] = exc_type.__name__
            entry["trace"] = describe_exception(exc_type, exc, tb)
        return json.dumps(entry, default=_plain)


def describe_exception(exc_type: type[BaseException], exc: BaseException | None, tb: TracebackType | None) -> str:
    """A traceback as Python prints it, with every exception reduced to its type: the frames of the
    exceptions it was raised from or during (oldest first), and of an exception group's members."""
    lines: list[str] = []
    _describe_chain(exc_type, exc, tb, lines, "")
    return "".join(lines).rstrip("\n")


def _describe_chain(
    exc_type: type[BaseException], exc: BaseException | None, tb: TracebackType | None, lines: list[str], indent: str
) -> None:
    # Latest first, each with how it came from the one before it ("cause", "context" or "").
    chain: list[tuple[type[BaseException], BaseException | None, TracebackType | None, str]] = []
    seen: set[int] = set()
    kind, value, trace = exc_type, exc, tb
    while True:
        earlier = None
        if value is not None:
            seen.add(id(value))
            earlier = value.__cause__ or (None if value.__suppress_context__ else value.__context__)
        how = ""
        if value is not None and earlier is not None and id(earlier) not in seen:
            how = "cause" if value.__cause__ is not None else "context"
        chain.append((kind, value, trace, how))
        if earlier is None or not how or len(chain) == _MAX_CHAIN:
            break
        kind, value, trace = type(earlier), earlier, earlier.__traceback__
    for position in range(len(chain) - 1, -1, -1):  # oldest first, as Python prints a chain
        kind, value, trace, _ = chain[position]
        lines.append(f"{indent}Traceback (most recent call last):\n")
        lines.extend(indent + line for line in "".join(traceback.format_tb(trace)).splitlines(keepends=True))
        lines.append(f"{indent}{_type_name(kind)}\n")
        if isinstance(value, BaseExceptionGroup):
            for number, member in enumerate(value.exceptions[:_MAX_GROUP], start=1):
                lines.append(f"{indent}  +---- {number} ----\n")
                _describe_chain(type(member), member, member.__traceback__, lines, indent + "  | ")
        if position > 0:
            lines.append(_LINKS[chain[position - 1][3]].format(indent=indent))


_LINKS = {
    "cause": "\n{indent}The above exception was the direct cause of the following exception:\n\n",
    "context": "\n{indent}During handling of the above exception, another exception occurred:\n\n",
}


def _type_name(kind: type[BaseException]) -> str:
    module = getattr(kind, "__module__", "builtins")
    return kind.__qualname__ if module == "builtins" else f"{module}.{kind.__qualname__}"


def _timestamp(record: logging.LogRecord) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z"


def _plain(value: object) -> str:
    """How an `extra` value json cannot encode appears: an exception by its type only."""
    return type(value).__name__ if isinstance(value, BaseException) else str(value)


def _bare_line(record: logging.LogRecord, msg: str, failure: BaseException) -> str:
    """A line about a record that could not be logged: where it came from, nothing of its content."""
    try:
        entry = {
            "ts": _timestamp(record),
            "level": str(record.levelname).lower(),
            "logger": str(record.name),
            "msg": msg,
            "error": type(failure).__name__,
        }
        return json.dumps(entry)
    except Exception:
        return json.dumps({"level": "error", "logger": "kring.logs", "msg": msg})


class JsonHandler(logging.StreamHandler[TextIO]):
    """The JSON lines on stderr. A line that cannot be written is dropped with a note of its own."""

    def __init__(self, stream: TextIO | None = None) -> None:
        super().__init__(stream if stream is not None else sys.stderr)
        self.setFormatter(JsonFormatter())

    def handleError(self, record: logging.LogRecord) -> None:
        # logging's own handleError prints the record's message, arguments and the exception being
        # handled, message included, to stderr.
        try:
            failure = sys.exc_info()[1] or RuntimeError()
            self.stream.write(_bare_line(record, "log record could not be written", failure) + self.terminator)
            self.flush()
        except Exception:
            pass


def quiet_library_logger(name: str) -> logging.Logger:
    """A library's logger that passes on its errors only, as JSON through the root's handler.

    Given `logger=False`, python-socketio and python-engineio attach a plain StreamHandler of their
    own, which would print a failing handler's exception, message and all, to stderr."""
    logger = logging.getLogger(name)
    logger.setLevel(logging.ERROR)
    return logger


def _uncaught(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc, tb)
        return
    logging.getLogger("kring").critical("uncaught exception", exc_info=(exc_type, exc, tb))


def _uncaught_in_thread(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is None:
        return  # SystemExit in a thread: nothing to report
    thread = args.thread.name if args.thread is not None else None
    exc_info = (args.exc_type, args.exc_value, args.exc_traceback)
    logging.getLogger("kring").error("uncaught exception in a thread", exc_info=exc_info, extra={"in_thread": thread})


def _unraisable(args: sys.UnraisableHookArgs) -> None:
    # Python's own report quotes the object (its repr) and the exception's message.
    exc_info = None if args.exc_value is None else (args.exc_type, args.exc_value, args.exc_traceback)
    logging.getLogger("kring").warning("exception ignored", exc_info=exc_info)


def configure(level: str = "info") -> None:
    # No handler anywhere may fall back to printing a record (see JsonHandler.handleError), and an
    # exception nobody catches is logged like any other instead of printed with its message.
    logging.raiseExceptions = False
    sys.excepthook = _uncaught
    threading.excepthook = _uncaught_in_thread
    sys.unraisablehook = _unraisable
    root = logging.getLogger()
    root.handlers[:] = [JsonHandler()]
    chosen = logging.getLevelNamesMapping()[level.upper()]
    # Debug lines are Kring's own: libraries' quote what they handle (aiosqlite's, each statement
    # with its parameters, a participant's name among them).
    root.setLevel(max(chosen, logging.INFO))
    logging.getLogger("kring").setLevel(chosen)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # Access lines carry URLs; room names are pseudonymous ids, but keep volume down by default.
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
