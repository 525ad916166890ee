"""Whether phones can reach the public address, and what to start with when they cannot.

The quick start listens on this machine only; a phone that scans the QR code then opens its own
localhost. `kring serve` says so at start, and the console and the wall show a warning.
"""

from __future__ import annotations

import ipaddress
import socket
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
    """This machine's IPv4 addresses other than loopback, read from its own name: no packet is sent
    (resolving the own host name is answered from /etc/hosts or the local resolver)."""
    try:
        found = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
    except OSError:
        return []
    return usable(str(info[4][0]) for info in found)


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
    lines.append("(README: 'Joining from a phone')")
    return "\n".join(lines)
