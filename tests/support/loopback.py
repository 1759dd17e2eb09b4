"""No test reaches beyond this machine: every socket a test's own process opens may connect
only to loopback (or a local Unix socket), and names are resolved only for loopback hosts.
Anything else is refused and recorded, so a test can also say that nothing tried."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from contextlib import contextmanager

LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


class OffLoopback(OSError):
    """A test tried to reach a host that is not this machine."""


def is_loopback(host: object) -> bool:
    if host is None or host == "":
        return True  # a wildcard bind, or a default: not a reach to another machine
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


@contextmanager
def loopback_only() -> Iterator[list[str]]:
    """Within it, connections and look-ups off loopback raise :class:`OffLoopback`; the list
    yielded holds each one that was tried."""
    tried: list[str] = []
    connect, connect_ex = socket.socket.connect, socket.socket.connect_ex
    getaddrinfo = socket.getaddrinfo

    def checked(address: object) -> None:
        if isinstance(address, tuple) and not is_loopback(address[0]):
            tried.append(str(address[0]))
            raise OffLoopback(f"a test tried to reach {address[0]}: tests reach loopback only")

    def guarded_connect(self: socket.socket, address: object) -> None:
        checked(address)
        return connect(self, address)

    def guarded_connect_ex(self: socket.socket, address: object) -> int:
        checked(address)
        return connect_ex(self, address)

    def guarded_getaddrinfo(host: object, *args: object, **kwargs: object) -> list:
        if not is_loopback(host):
            tried.append(str(host))
            raise OffLoopback(f"a test tried to look up {host}: tests reach loopback only")
        return getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]

    socket.socket.connect = guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = guarded_connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = guarded_getaddrinfo  # type: ignore[assignment]
    try:
        yield tried
    finally:
        socket.socket.connect, socket.socket.connect_ex = connect, connect_ex  # type: ignore[method-assign]
        socket.getaddrinfo = getaddrinfo
