"""Whether phones can reach the public address, and what to start with when they cannot.

The quick start listens on this machine only; a phone that scans the QR code then opens its own
localhost. `kring serve` says so at start, and the console and the wall show a warning.
"""

from __future__ import annotations

import ipaddress
import socket
import struct
import sys
from collections.abc import Iterable
from urllib.parse import urlsplit


def is_loopback_host(host: str) -> bool:
    """localhost (and its subdomains), 127.0.0.0/8 and ::1, with or without brackets."""
    name = host.strip().strip("[]").rstrip(".").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def is_loopback_url(url: str) -> bool:
    return is_loopback_host(urlsplit(url).hostname or "")


def lan_addresses() -> list[str]:
    """This machine's IPv4 addresses other than loopback, found without sending a packet: its
    interfaces' own addresses (Linux), then what its own name resolves to (often only 127.0.1.1)."""
    return usable([*_interface_addresses(), *_own_name_addresses()])


def _own_name_addresses() -> list[str]:
    try:
        found = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
    except OSError:
        return []
    return [str(info[4][0]) for info in found]


# Linux's "what is this interface's address" request (netdevice(7)): asks the kernel, not the network.
_SIOCGIFADDR = 0x8915


def _interface_addresses() -> list[str]:
    if not sys.platform.startswith("linux"):
        return []
    import fcntl

    found: list[str] = []
    try:
        # An unconnected datagram socket only carries the request; it never sends anything.
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as handle:
            for _, name in socket.if_nameindex():
                try:
                    reply = fcntl.ioctl(handle.fileno(), _SIOCGIFADDR, struct.pack("256s", name.encode()[:15]))
                except OSError:
                    continue  # down, or without an IPv4 address
                found.append(socket.inet_ntoa(reply[20:24]))
    except OSError:
        return []
    return found


def usable(addresses: Iterable[str]) -> list[str]:
    """Unique, in order, without loopback, link-local or unspecified ones."""
    kept: list[str] = []
    for raw in addresses:
        try:
            address = ipaddress.ip_address(raw)
        except ValueError:
            continue
        if address.is_loopback or address.is_link_local or address.is_unspecified:
            continue
        if str(address) not in kept:
            kept.append(str(address))
    return kept


def start_message(public_url: str, port: int, addresses: list[str]) -> str:
    """What `kring serve` prints at start: the address people use, and a warning when it is loopback."""
    lines = [f"Kring: people join at {public_url.rstrip('/')}/join"]
    if not is_loopback_url(public_url):
        return "\n".join(lines)
    lines.append("WARNING: this address is this computer only; phones cannot reach it.")
    if addresses:
        lines.append("For phones on the same network, start with:")
        lines.extend(f"  HOST=0.0.0.0 PUBLIC_URL=http://{a}:{port} make run" for a in addresses)
    else:
        lines.append("No network address found. For phones, start with this computer's address:")
        lines.append(f"  HOST=0.0.0.0 PUBLIC_URL=http://<address>:{port} make run")
    lines.append("(README, Quick start: 'From a real phone')")
    return "\n".join(lines)
