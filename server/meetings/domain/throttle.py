"""Growing back-off per client address for guessable secrets: join codes and passwords.

In memory, per process: with several processes behind a balancer an address gets that many times
the tries, which still leaves an eight-digit code far out of reach.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from server.addresses import key_of


def now() -> float:
    """The throttle's clock; a module function so a test can move time without sleeping."""
    return time.monotonic()


@dataclass
class _Record:
    failures: int
    blocked_until: float
    last_failure: float


class BackOff:
    """`free` failures cost nothing; each later one blocks the address for first·2ⁿ seconds, up to `cap`.

    A success does not reset the count: whoever knows one valid code (or has an account) could
    otherwise interleave it with guesses. The count is forgotten `forget_after` seconds after the
    last failure instead.
    """

    def __init__(
        self,
        *,
        free: int,
        first: float = 1.0,
        cap: float = 900.0,
        forget_after: float = 3600.0,
        max_addresses: int = 100_000,
    ) -> None:
        self.free = free
        self.first = first
        self.cap = cap
        self.forget_after = forget_after
        self.max_addresses = max_addresses
        self._records: dict[str, _Record] = {}

    def retry_after(self, address: str) -> int:
        """Whole seconds until this address may try again; 0 when it may try now."""
        record = self._records.get(key_of(address))
        if record is None:
            return 0
        remaining = record.blocked_until - now()
        return math.ceil(remaining) if remaining > 0 else 0

    def failed(self, address: str) -> None:
        key = key_of(address)
        moment = now()
        record = self._records.pop(key, None)
        if record is None or moment - record.last_failure > self.forget_after:
            record = _Record(failures=0, blocked_until=0.0, last_failure=moment)
        record.failures += 1
        record.last_failure = moment
        beyond = record.failures - self.free
        if beyond > 0:
            record.blocked_until = moment + min(self.first * 2 ** (beyond - 1), self.cap)
        # Re-inserted last, so the dict stays ordered by latest failure: the oldest go first.
        self._records[key] = record
        if len(self._records) > self.max_addresses:
            self._forget_old(moment)

    def _forget_old(self, moment: float) -> None:
        for key in [k for k, r in self._records.items() if moment - r.last_failure > self.forget_after]:
            del self._records[key]
        while len(self._records) > self.max_addresses:
            del self._records[next(iter(self._records))]
