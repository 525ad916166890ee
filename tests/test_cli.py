"""The operator's commands, run as an operator runs them: `kring user add` on a database nobody
has migrated yet, password from stdin."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from server import cli, reach

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


def _roles(tmp_path: Path, email: str) -> set[str]:
    with sqlite3.connect(tmp_path / "var" / "kring.db") as db:
        rows = db.execute(
            "SELECT role FROM facilitator_roles JOIN facilitators ON facilitators.id = facilitator_id WHERE email = ?",
            (email,),
        )
        return {row[0] for row in rows}


def test_the_first_account_is_an_administrator_and_roles_can_be_given(tmp_path: Path) -> None:
    password = "een lang genoeg wachtwoord\n"
    first = _kring(tmp_path, "user", "add", "eerste@kring.test", stdin=password)
    assert first.returncode == 0 and "Roles: facilitator, admin." in first.stdout
    _kring(tmp_path, "user", "add", "tweede@kring.test", stdin=password)
    _kring(tmp_path, "user", "add", "privacy@kring.test", "--role", "privacy_officer", stdin=password)
    assert _roles(tmp_path, "eerste@kring.test") == {"facilitator", "admin"}
    assert _roles(tmp_path, "tweede@kring.test") == {"facilitator"}
    assert _roles(tmp_path, "privacy@kring.test") == {"privacy_officer"}
    # An existing account keeps its roles and gets the ones named.
    again = _kring(tmp_path, "user", "add", "tweede@kring.test", "--role", "team_lead", stdin=password)
    assert "Roles: facilitator, team_lead." in again.stdout
    refused = _kring(tmp_path, "user", "add", "x@kring.test", "--role", "root", stdin=password)
    assert refused.returncode == 2 and _roles(tmp_path, "x@kring.test") == set()


def test_user_add_refuses_a_short_password(tmp_path: Path) -> None:
    short = _kring(tmp_path, "user", "add", "bram@kring.test", stdin="kort\n")
    assert short.returncode == 2
    assert "12 characters" in short.stderr


def test_serve_says_where_people_join_and_warns_when_phones_cannot_reach_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    served: list[object] = []

    class NoServer:
        def __init__(self, config: object) -> None:
            served.append(config)

        def run(self) -> None:
            pass

    # The start, not the serving: no socket is opened, and the test process keeps its collector and
    # its logging.
    monkeypatch.setattr(cli.uvicorn, "Server", NoServer)
    monkeypatch.setattr(cli, "tune_collector", lambda: None)
    monkeypatch.setattr(cli, "configure", lambda level: None)
    monkeypatch.setattr(reach, "lan_addresses", lambda: ["192.168.1.20"])
    monkeypatch.setenv("KRING_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("PORT", "8123")
    for name in ("HOST", "PUBLIC_URL", "DATABASE_URL", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    assert cli.main(["serve", "--migrate"]) == 0
    said = capsys.readouterr().out
    assert "people join at http://localhost:8123/join" in said
    assert "phones cannot reach it" in said
    assert "HOST=0.0.0.0 PUBLIC_URL=http://192.168.1.20:8123 make run" in said
    assert len(served) == 1

    monkeypatch.setenv("PUBLIC_URL", "http://192.168.1.20:8123")
    assert cli.main(["serve"]) == 0
    said = capsys.readouterr().out
    assert "people join at http://192.168.1.20:8123/join" in said
    assert "cannot reach" not in said
