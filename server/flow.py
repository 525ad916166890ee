"""Flow control: how much one connection may send, and how often one address may connect.

Token buckets, in memory and per process: they protect this process's event loop, which is what a
flood would take from everyone else's meetings.
"""

from __future__ import annotations

import time
from collections import OrderedDict

from server.addresses import key_of


class TokenBucket:
    """`rate` tokens a second, at most `burst` saved up; each frame or connect takes one."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate = rate
        self.burst = burst
        self._tokens = burst
        self._at = time.monotonic()

    def full_at(self) -> float:
        """When the bucket holds `burst` tokens again if nothing more is taken (monotonic seconds)."""
        return self._at + (self.burst - self._tokens) / self.rate if self.rate > 0 else float("inf")

    def take(self) -> bool:
        now = time.monotonic()
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
        self._at = now
        if self._tokens >= 1:
            self._tokens -= 1
            return True
        return False


class ConnectThrottle:
    """A bucket per client address (IPv6 by /64). A meeting behind one office NAT is a dozen phones
    and their reconnects; a script opening sockets in a loop is thousands."""

    def __init__(self, rate: float, burst: float, max_addresses: int = 50_000) -> None:
        self.rate = rate
        self.burst = burst
        self.max_addresses = max_addresses
        self._buckets: OrderedDict[str, TokenBucket] = OrderedDict()

    def allow(self, address: str) -> bool:
        key = key_of(address)
        bucket = self._buckets.pop(key, None) or TokenBucket(self.rate, self.burst)
        self._buckets[key] = bucket  # most recent last, so the oldest are forgotten first
        allowed = bucket.take()
        # A bucket that has filled up again is no different from none: forget it, so that a day of
        # phones from many addresses is not all kept until `max_addresses`. From the least recently
        # used on, up to the first that is not full: one behind it may be full and waits its turn.
        now = time.monotonic()
        while self._buckets:
            oldest = next(iter(self._buckets.values()))
            if len(self._buckets) <= self.max_addresses and oldest.full_at() > now:
                break
            self._buckets.popitem(last=False)
        return allowed

    def __len__(self) -> int:
        """How many addresses are remembered."""
        return len(self._buckets)
