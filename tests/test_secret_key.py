"""A generated SECRET_KEY shared by processes that start at once on one var dir: one key for all,
and never an empty one."""

from __future__ import annotations

import multiprocessing
import threading
from pathlib import Path

import pytest

from server.settings import Settings, _secret_key


def test_a_key_file_that_is_still_empty_is_waited_for(tmp_path: Path) -> None:
    # Another process has created the file and not yet written its key.
    path = tmp_path / "secret_key"
    path.touch(mode=0o600)
    writer = threading.Timer(0.2, lambda: path.write_text("k" * 64))
    writer.start()
    try:
        assert _secret_key({}, tmp_path) == "k" * 64
    finally:
        writer.join()


def test_a_key_file_that_stays_empty_is_an_error_not_an_empty_key(tmp_path: Path) -> None:
    (tmp_path / "secret_key").touch(mode=0o600)
    with pytest.raises(RuntimeError, match="empty"):
        _secret_key({}, tmp_path, wait=0.2)


def _key_of(var_dir: str, start: multiprocessing.synchronize.Barrier, keys: multiprocessing.Queue[str]) -> None:
    start.wait()
    try:
        keys.put(Settings.from_env({"KRING_VAR_DIR": var_dir}).secret_key)
    except Exception as exc:
        keys.put(f"error: {type(exc).__name__}: {exc}")


def test_processes_starting_together_agree_on_one_key(tmp_path: Path) -> None:
    context = multiprocessing.get_context("fork")
    for attempt in range(5):
        var = tmp_path / f"var{attempt}"
        start, keys = context.Barrier(8), context.Queue()
        processes = [context.Process(target=_key_of, args=(str(var), start, keys)) for _ in range(8)]
        for process in processes:
            process.start()
        seen = [keys.get(timeout=30) for _ in processes]
        for process in processes:
            process.join()
        assert len(set(seen)) == 1, seen
        assert len(seen[0]) >= 48
        assert (var / "secret_key").read_text() == seen[0]
        assert [p.name for p in var.iterdir()] == ["secret_key"]  # nothing left aside
