"""The operator's commands, run as an operator runs them: `kring user add` on a database nobody
has migrated yet, password from stdin."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

KRING = str(Path(sys.executable).parent / "kring")


def _kring(tmp_path: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KRING_VAR_DIR": str(tmp_path / "var")}
    env.pop("DATABASE_URL", None)
    return subprocess.run([KRING, *args], env=env, input=stdin, capture_output=True, text=True, timeout=60)


def test_user_add_works_on_a_new_database_and_never_prints_the_password_or_its_hash(tmp_path: Path) -> None:
    password = "een lang genoeg wachtwoord"
    created = _kring(tmp_path, "user", "add", "fatima@kring.test", "--name", "Fatima", stdin=password + "\n")
    assert created.returncode == 0, created.stderr
    assert "fatima@kring.test created" in created.stdout
    again = _kring(tmp_path, "user", "add", "fatima@kring.test", stdin="een ander lang wachtwoord\n")
    assert again.returncode == 0 and "Password changed" in again.stdout
    for run in (created, again):
        output = run.stdout + run.stderr
        assert password not in output and "argon2" not in output and "Traceback" not in output


def test_user_add_refuses_a_short_password(tmp_path: Path) -> None:
    short = _kring(tmp_path, "user", "add", "bram@kring.test", stdin="kort\n")
    assert short.returncode == 2
    assert "12 characters" in short.stderr
