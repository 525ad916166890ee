"""The installed Socket.IO stack is past its published advisories (checked offline: no advisory
service is reachable from CI, so the floor is written here and in pyproject.toml)."""

from __future__ import annotations

from importlib.metadata import version

import pytest

FLOORS = {
    # withheld binary attachments (denial of service) and the pickle message-queue issue
    "python-socketio": (5, 16, 2),
    "python-engineio": (4, 13, 2),
}


def _parts(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split(".")[:3] if p.isdigit())


@pytest.mark.parametrize("package", sorted(FLOORS))
def test_installed_version_is_past_the_advisories(package: str) -> None:
    assert _parts(version(package)) >= FLOORS[package]


def test_pyproject_keeps_the_floors() -> None:
    from pathlib import Path

    pyproject = (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text()
    for package, floor in FLOORS.items():
        assert f'"{package}>={".".join(map(str, floor))}' in pyproject
