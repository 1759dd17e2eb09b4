"""The guard every test runs under: nothing reaches beyond this machine."""

from __future__ import annotations

import socket
import urllib.error
import urllib.request

import pytest

from tests.support.loopback import OffLoopback


def test_a_host_off_loopback_is_refused_before_any_packet_and_recorded(network_attempts):
    # A name that can never resolve (RFC 2606's .invalid) and an address kept for
    # documentation (RFC 5737): were the guard to let them through, nothing real is reached.
    with pytest.raises(urllib.error.URLError) as refused:  # urllib wraps what the guard raised
        urllib.request.urlopen("https://hooks.slack.invalid/commands/T1/123/abc", timeout=1)
    assert isinstance(refused.value.reason, OffLoopback)
    with pytest.raises(OffLoopback), socket.socket() as sock:
        sock.connect(("203.0.113.7", 443))  # an address, no name to look up
    assert network_attempts == ["hooks.slack.invalid", "203.0.113.7"]


def test_loopback_is_reached_as_ever(network_attempts):
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.create_connection(server.getsockname(), timeout=1):
            pass
    assert network_attempts == []
