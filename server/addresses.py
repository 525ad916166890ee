"""Client addresses as the throttles count them: the HTTP back-off and the socket connect limit share it."""

from __future__ import annotations

import ipaddress


def key_of(address: str) -> str:
    """One key per IPv4 address, one per IPv6 /64: a single household or phone holds a whole /64."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed)
