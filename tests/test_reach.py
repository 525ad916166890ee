from __future__ import annotations

import socket
import sys

import pytest

from server import reach
from server.reach import is_loopback_host, is_loopback_url, lan_addresses, start_message, usable


@pytest.mark.parametrize(
    "host", ["localhost", "LOCALHOST", "localhost.", "kring.localhost", "127.0.0.1", "127.8.9.10", "::1", "[::1]"]
)
def test_loopback_hosts(host: str) -> None:
    assert is_loopback_host(host)


@pytest.mark.parametrize(
    "host", ["192.168.1.20", "10.0.0.7", "kring.example.nl", "notlocalhost", "0.0.0.0", "fe80::1", ""]
)
def test_hosts_a_phone_may_reach(host: str) -> None:
    assert not is_loopback_host(host)


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://localhost:8000", True),
        ("http://127.0.0.1:8000/", True),
        ("http://[::1]:8000", True),
        ("http://192.168.1.20:8000", False),
        ("https://kring.example.nl", False),
    ],
)
def test_loopback_urls(url: str, loopback: bool) -> None:
    assert is_loopback_url(url) is loopback


def test_usable_addresses_drop_loopback_link_local_and_repeats() -> None:
    found = ["127.0.1.1", "192.168.1.20", "169.254.3.4", "0.0.0.0", "192.168.1.20", "10.0.0.7", "nonsense"]
    assert usable(found) == ["192.168.1.20", "10.0.0.7"]


def test_lan_addresses_come_from_the_interfaces_and_the_own_name(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[object] = []

    def getaddrinfo(host: str, port: object, family: int = 0) -> list[tuple[object, ...]]:
        asked.append((host, family))
        return [(family, 1, 6, "", ("127.0.1.1", 0)), (family, 1, 6, "", ("10.0.0.7", 0))]

    monkeypatch.setattr(reach, "_interface_addresses", lambda: ["127.0.0.1", "192.168.1.20", "10.0.0.7"])
    monkeypatch.setattr(socket, "gethostname", lambda: "meeting-laptop")
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    assert lan_addresses() == ["192.168.1.20", "10.0.0.7"]
    assert asked == [("meeting-laptop", socket.AF_INET)]


def test_lan_addresses_are_empty_when_nothing_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    def fails(*args: object) -> object:
        raise OSError("no such name")

    monkeypatch.setattr(socket, "getaddrinfo", fails)
    monkeypatch.setattr(socket, "if_nameindex", fails)
    assert lan_addresses() == []


def test_the_interfaces_are_read_with_loopback_among_them() -> None:
    # The kernel's own answer, on the machine the tests run on: loopback always has an address.
    assert sys.platform != "linux" or "127.0.0.1" in reach._interface_addresses()


def test_a_reachable_address_is_said_without_a_warning() -> None:
    said = start_message("http://192.168.1.20:8000/", 8000, ["192.168.1.20"])
    assert said == "Kring: people join at http://192.168.1.20:8000/join"


def test_a_loopback_address_warns_and_gives_the_command_per_address() -> None:
    said = start_message("http://localhost:8000", 8000, ["192.168.1.20", "10.0.0.7"]).splitlines()
    assert said[0] == "Kring: people join at http://localhost:8000/join"
    assert "phones cannot reach it" in said[1]
    assert "  HOST=0.0.0.0 PUBLIC_URL=http://192.168.1.20:8000 make run" in said
    assert "  HOST=0.0.0.0 PUBLIC_URL=http://10.0.0.7:8000 make run" in said


def test_without_a_network_address_the_command_has_a_blank_to_fill() -> None:
    said = start_message("http://127.0.0.1:8123", 8123, [])
    assert "phones cannot reach it" in said
    assert "HOST=0.0.0.0 PUBLIC_URL=http://<address>:8123 make run" in said
