"""The installed Socket.IO stack is past its published advisories (checked offline: no advisory
service is reachable from CI, so the floor is written here and in pyproject.toml), and every runtime
dependency is bounded above, with the installed version inside its bounds."""

from __future__ import annotations

import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest
from packaging.requirements import Requirement

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
    pyproject = (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text()
    for package, floor in FLOORS.items():
        assert f'"{package}>={".".join(map(str, floor))}' in pyproject


def runtime_requirements() -> list[Requirement]:
    pyproject = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text())
    return [Requirement(line) for line in pyproject["project"]["dependencies"]]


@pytest.mark.parametrize("requirement", runtime_requirements(), ids=str)
def test_every_runtime_dependency_is_bounded_and_installed_within_its_bounds(requirement: Requirement) -> None:
    """An upgrade past a major version (a minor one before 1.0) is a decision, not an accident."""
    assert any(spec.operator in ("<", "<=", "~=", "==") for spec in requirement.specifier), requirement
    assert requirement.specifier.contains(version(requirement.name)), (requirement, version(requirement.name))
