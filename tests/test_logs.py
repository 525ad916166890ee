"""The JSON log formatter: an exception by its type and frames, never its message, and no record
that makes the formatter or the handler fail may reach stderr by logging's own fallback."""

from __future__ import annotations

import functools
import io
import json
import logging
import sys
import threading
from collections.abc import Callable

import pytest

from server.logs import JsonFormatter, JsonHandler, quiet_library_logger
from tests.log_helpers import MARKER, database_error, json_lines, production_logs


@functools.cache
def _panic_type() -> type[BaseException]:
    from tests.test_bad_input import _panics_here

    panic = _panics_here()
    if panic is None:
        pytest.skip("this pycrdt no longer panics on the known input")
    return panic


def _chained() -> BaseException:
    try:
        raise KeyError(MARKER)
    except KeyError as exc:
        raise RuntimeError(f"while looking up {MARKER}") from exc


def _during() -> BaseException:
    try:
        {}[MARKER]
    except KeyError:
        raise ValueError(MARKER)  # noqa: B904 (the implicit chain is what is tested)


def _group() -> BaseException:
    raise ExceptionGroup(f"group {MARKER}", [KeyError(MARKER), database_error()])


def _raising(make: Callable[[], BaseException]) -> Callable[[], BaseException]:
    def raise_it() -> BaseException:
        raise make()

    return raise_it


EXCEPTIONS: dict[str, Callable[[], BaseException]] = {
    "sqlalchemy": _raising(database_error),
    "unicode": _raising(lambda: UnicodeDecodeError("utf-8", MARKER.encode() + b"\xff", 15, 16, MARKER)),
    "keyerror": _raising(lambda: KeyError(MARKER)),
    "panic": _raising(lambda: _panic_type()(MARKER)),
    "chained": _chained,
    "during": _during,
    "group": _group,
}


def _record(raise_it: Callable[[], BaseException]) -> logging.LogRecord:
    try:
        raise_it()
    except BaseException:
        exc_info = sys.exc_info()
    return logging.LogRecord("kring.test", logging.ERROR, __file__, 1, "frame failed", None, exc_info)


@pytest.mark.parametrize("kind", list(EXCEPTIONS))
def test_an_exception_is_logged_by_type_and_frames_only(kind: str) -> None:
    raise_it = EXCEPTIONS[kind]
    record = _record(raise_it)
    assert record.exc_info is not None
    assert MARKER in repr(record.exc_info[1])  # so it could leak
    line = JsonFormatter().format(record)
    assert MARKER not in line
    entry = json.loads(line)
    assert (entry["level"], entry["logger"], entry["msg"]) == ("error", "kring.test", "frame failed")
    assert entry["error"] == record.exc_info[0].__name__
    assert entry["trace"].startswith("Traceback (most recent call last):")
    assert any(line.endswith(record.exc_info[0].__qualname__) for line in entry["trace"].splitlines())
    assert "test_logs.py" in entry["trace"] and "_record" in entry["trace"]


def test_a_chain_keeps_every_exceptions_type_and_frames() -> None:
    entry = json.loads(JsonFormatter().format(_record(_chained)))
    trace = entry["trace"]
    assert trace.index("\nKeyError\n") < trace.index("direct cause") < trace.index("\nRuntimeError")
    assert trace.count("_chained") == 2
    during = json.loads(JsonFormatter().format(_record(_during)))["trace"]
    assert "\nKeyError\n" in during and "During handling" in during


def test_a_group_names_its_members() -> None:
    trace = json.loads(JsonFormatter().format(_record(_group)))["trace"]
    assert "ExceptionGroup" in trace and "| KeyError" in trace and "| sqlalchemy.exc.OperationalError" in trace
    assert MARKER not in trace


def test_a_record_that_cannot_be_formatted_still_gives_a_line_without_its_content() -> None:
    record = logging.LogRecord("kring.test", logging.ERROR, __file__, 1, "room %d of %s", (MARKER,), None)
    entry = json.loads(JsonFormatter().format(record))
    assert entry["msg"] == "log record could not be formatted" and entry["logger"] == "kring.test"
    assert MARKER not in json.dumps(entry)


def test_an_exception_passed_as_extra_appears_by_type() -> None:
    record = logging.LogRecord("kring.test", logging.WARNING, __file__, 1, "failed", None, None)
    record.cause = database_error()
    record.unencodable = object()
    entry = json.loads(JsonFormatter().format(record))
    assert entry["cause"] == "OperationalError" and entry["unencodable"].startswith("<object")


def test_asyncio_reports_keep_their_headline_only() -> None:
    # asyncio's "Task exception was never retrieved" quotes the task, and in it the exception's repr.
    message = f"Task exception was never retrieved\nfuture: <Task finished exception=KeyError('{MARKER}')>"
    record = logging.LogRecord("asyncio", logging.ERROR, __file__, 1, message, None, None)
    assert json.loads(JsonFormatter().format(record))["msg"] == "Task exception was never retrieved"


class _FailingOnce(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.failed = False

    def write(self, text: str) -> int:
        if not self.failed:
            self.failed = True
            raise OSError("stderr is gone")
        return super().write(text)


def test_a_line_that_cannot_be_written_is_replaced_by_a_note(capfd: pytest.CaptureFixture[str]) -> None:
    stream = _FailingOnce()
    logger = logging.getLogger("kring.test.handler")
    logger.propagate = False
    logger.addHandler(handler := JsonHandler(stream))
    try:
        try:
            raise database_error()
        except Exception:
            logger.exception("commit failed")
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    [note] = json_lines(stream.getvalue())
    assert (note["msg"], note["logger"], note["error"]) == (
        "log record could not be written",
        "kring.test.handler",
        "OSError",
    )
    captured = capfd.readouterr()
    assert MARKER not in captured.err + captured.out + stream.getvalue()


@pytest.mark.parametrize("kind", ["sqlalchemy", "unicode", "panic"])
def test_configured_logging_writes_one_json_line_and_nothing_else(capfd: pytest.CaptureFixture[str], kind: str) -> None:
    """The reported failure: an exception that needs constructor arguments, logged while it is
    being handled. Nothing but the JSON line may reach stderr."""
    if kind == "panic":
        _panic_type()  # Yrs's panic hook prints where it panicked when the type is found
        capfd.readouterr()
    with production_logs() as records:
        try:
            EXCEPTIONS[kind]()
        except BaseException:
            logging.getLogger("kring.test").exception("store failed", extra={"room": "r-1"})
        assert logging.raiseExceptions is False
    err = capfd.readouterr().err
    assert MARKER not in err
    [line] = [line for line in json_lines(err) if line["logger"] == "kring.test"]
    [record] = [r for r in records.records if r.name == "kring.test"]
    assert record.exc_info is not None
    assert (line["msg"], line["room"], line["error"]) == ("store failed", "r-1", record.exc_info[0].__name__)


def test_socketio_loggers_have_no_handler_of_their_own() -> None:
    import socketio

    for name in ("socketio.server", "engineio.server"):
        logging.getLogger(name).handlers.clear()
    server = socketio.AsyncServer(
        async_mode="asgi",
        logger=quiet_library_logger("socketio.server"),
        engineio_logger=quiet_library_logger("engineio.server"),
    )
    assert server.logger is logging.getLogger("socketio.server") and server.eio.logger is logging.getLogger(
        "engineio.server"
    )
    for logger in (server.logger, server.eio.logger):
        assert logger.handlers == [] and logger.propagate and logger.level == logging.ERROR


class _DiesNoisily:
    def __del__(self) -> None:
        raise KeyError(MARKER)


def test_uncaught_exceptions_are_logged_like_any_other(capfd: pytest.CaptureFixture[str]) -> None:
    """In the main thread, in another thread, and in a finalizer: Python's own reports quote the
    exception's message (and a finalizer's object)."""
    with production_logs():
        try:
            raise database_error()
        except Exception:
            sys.excepthook(*sys.exc_info())  # type: ignore[arg-type]
        thread = threading.Thread(target=_raising(lambda: KeyError(MARKER)), name="worker-1")
        thread.start()
        thread.join()
        _DiesNoisily()  # collected at once: its __del__ raises
    lines = {line["msg"]: line for line in json_lines(capfd.readouterr().err)}
    assert MARKER not in json.dumps(lines)
    assert lines["uncaught exception"]["error"] == "OperationalError"
    assert lines["uncaught exception in a thread"]["error"] == "KeyError"
    assert lines["uncaught exception in a thread"]["in_thread"] == "worker-1"
    assert lines["exception ignored"]["error"] == "KeyError"
