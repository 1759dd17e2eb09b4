"""Traffic for the front-door tests and ``make bench``: signed requests on raw sockets, a burst of
them at once, slow and silent clients, and what the bot's process holds (threads, memory, open
connections).

Loopback only: every address here is 127.0.0.1, and every loop is bounded in count and time.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import socket
import statistics
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from tests.support.slack import SIGNING_SECRET, signature

HOST = "127.0.0.1"


# --- requests, as bytes on the wire ---------------------------------------------------------------


def http_request(
    path: str, body: bytes = b"", headers: dict[str, str] | None = None, method: str = "POST"
) -> bytes:
    """A whole HTTP/1.1 request that asks the server to close the connection after answering."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if method == "POST" and not any(k.lower() == "content-length" for k in headers or {}):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def signed_headers(
    body: str | bytes,
    *,
    secret: str = SIGNING_SECRET,
    timestamp: str | None = None,
    kind: str = "form",
) -> dict[str, str]:
    stamp = str(int(time.time())) if timestamp is None else timestamp
    return {
        "Content-Type": "application/json"
        if kind == "json"
        else "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature(secret, stamp, body),
    }


def signed_command(fields: dict[str, str], **signing: str) -> bytes:
    """A slash command as Slack posts it to /slack/events, signed."""
    body = urlencode(fields)
    return http_request("/slack/events", body.encode(), signed_headers(body, **signing))


def signed_event(payload: dict[str, object], extra: dict[str, str] | None = None) -> bytes:
    """An Events API delivery, signed now (``extra``: X-Slack-Retry-Num and the like)."""
    body = json.dumps(payload)
    headers = {**signed_headers(body, kind="json"), **(extra or {})}
    return http_request("/slack/events", body.encode(), headers)


# --- one exchange, and a burst of them ------------------------------------------------------------


@dataclass
class Exchange:
    status: int | None  # None: no answer
    seconds: float  # from connecting to the end of the answer (or the failure)
    body: bytes = b""
    failure: str | None = None  # "reset", "refused", "timeout", "closed"


def exchange(port: int, request: bytes, timeout: float = 10.0) -> Exchange:
    """Send ``request`` on a new connection and read the answer until the server closes it."""
    started = time.monotonic()
    try:
        with socket.create_connection((HOST, port), timeout=timeout) as conn:
            conn.sendall(request)
            data = b""
            while chunk := conn.recv(65536):
                data += chunk
    except ConnectionResetError:
        return Exchange(None, time.monotonic() - started, failure="reset")
    except ConnectionRefusedError:
        return Exchange(None, time.monotonic() - started, failure="refused")
    except TimeoutError:
        return Exchange(None, time.monotonic() - started, failure="timeout")
    seconds = time.monotonic() - started
    if not data:
        return Exchange(None, seconds, failure="closed")
    head, _, body = data.partition(b"\r\n\r\n")
    return Exchange(int(head.split()[1]), seconds, body)


def burst(port: int, requests: list[bytes], timeout: float = 10.0) -> list[Exchange]:
    """Every request on its own connection, all released at the same moment."""
    results: list[Exchange | None] = [None] * len(requests)
    start = threading.Barrier(len(requests))

    def one(n: int) -> None:
        start.wait()
        results[n] = exchange(port, requests[n], timeout)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout + 30)
    return [r if r is not None else Exchange(None, timeout, failure="timeout") for r in results]


def percentiles(seconds: list[float]) -> dict[str, float]:
    """p50, p95 and max, in milliseconds."""
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(p95 * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


# --- slow and silent clients ---------------------------------------------------------------------


@dataclass
class Client:
    sock: socket.socket
    trickling: bool
    opened: float
    first_byte: float | None = None
    closed: float | None = None  # when the server closed it (monotonic)
    answer: bytes = b""

    @property
    def status(self) -> int | None:
        parts = self.answer.split(maxsplit=2)
        return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None


@dataclass
class SlowClients:
    """``trickling`` connections that each send a request one byte every ``interval`` seconds,
    and ``silent`` ones that send nothing; one thread watches them all and notes when the server
    closes each. Runs until ``stop()``, or ``limit`` seconds at most."""

    port: int
    trickling: int
    silent: int
    interval: float
    limit: float = 120.0
    request: bytes = field(
        default=b"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n"
        + b"x" * 1000
    )
    clients: list[Client] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._selector = selectors.DefaultSelector()
        for n in range(self.trickling + self.silent):
            sock = socket.create_connection((HOST, self.port), timeout=10)
            sock.setblocking(False)
            client = Client(sock, trickling=n < self.trickling, opened=time.monotonic())
            self.clients.append(client)
            self._selector.register(sock, selectors.EVENT_READ, client)
        self._thread = threading.Thread(target=self._run, name="slow-clients", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        deadline = time.monotonic() + self.limit
        sent = 0
        next_byte = time.monotonic()
        while not self._stopping.is_set() and time.monotonic() < deadline:
            now = time.monotonic()
            if now >= next_byte and sent < len(self.request):
                for client in self.clients:
                    if client.trickling and client.closed is None:
                        try:
                            client.sock.send(self.request[sent : sent + 1])
                            client.first_byte = client.first_byte or now
                        except OSError:
                            self._closed(client)
                sent += 1
                next_byte = now + self.interval
            for key, _ in self._selector.select(timeout=0.05):
                client = key.data
                try:
                    data = client.sock.recv(65536)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b""
                if data:
                    client.answer += data
                else:
                    self._closed(client)

    def _closed(self, client: Client) -> None:
        with self._lock:
            if client.closed is None:
                client.closed = time.monotonic()
                self._selector.unregister(client.sock)

    def open(self, trickling: bool | None = None) -> list[Client]:
        with self._lock:
            return [
                c
                for c in self.clients
                if c.closed is None and (trickling is None or c.trickling == trickling)
            ]

    def wait_until_closed(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while self.open() and time.monotonic() < deadline:
            time.sleep(0.1)
        return not self.open()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(5)
        for client in self.clients:
            client.sock.close()
        self._selector.close()


# --- the bot's process ----------------------------------------------------------------------------


def threads(pid: int) -> int:
    return int(_status(pid)["Threads"])


def rss_bytes(pid: int) -> int:
    return int(_status(pid)["VmRSS"].split()[0]) * 1024


def open_sockets(pid: int) -> int:
    count = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            count += os.readlink(fd).startswith("socket:")
        except OSError:
            continue
    return count


def _status(pid: int) -> dict[str, str]:
    lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    return dict(line.split(":\t", 1) for line in lines if ":\t" in line)


# --- a flood of large bodies that are not Slack's -------------------------------------------------


@dataclass
class Flood:
    """``per_second`` requests of ``request`` a second, each on its own connection, for at most
    ``seconds``: what an outsider posting large unsigned bodies would send. Each is sent whole
    (unless the server closes the connection first) and its answer read; runs until ``stop()``.
    """

    port: int
    request: bytes
    per_second: float
    seconds: float
    sent: int = 0
    statuses: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._senders: list[threading.Thread] = []
        self._thread = threading.Thread(target=self._run, name="flood", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        started = time.monotonic()
        limit = int(self.per_second * self.seconds)
        for n in range(limit):
            due = started + n / self.per_second
            if self._stopping.wait(max(0.0, due - time.monotonic())):
                break
            sender = threading.Thread(target=self._one, daemon=True)
            sender.start()
            self._senders.append(sender)
            self.sent += 1

    def _one(self) -> None:
        """Send the request and read the answer; a server that answers before the body is all
        sent, and closes, leaves the rest unsent (a broken pipe or a reset)."""
        answer = b""
        try:
            with socket.create_connection((HOST, self.port), timeout=30) as conn:
                # Answered and closed early: the answer may still be there to read.
                with contextlib.suppress(OSError):
                    conn.sendall(self.request)
                while chunk := conn.recv(65536):
                    answer += chunk
        except OSError:
            pass
        parts = answer.split(maxsplit=2)
        key = parts[1].decode() if len(parts) > 1 else "no answer"
        with self._lock:
            self.statuses[key] = self.statuses.get(key, 0) + 1

    def stop(self) -> dict[str, int]:
        """Stop sending, wait for the answers still owed; how many got each status."""
        self._stopping.set()
        self._thread.join(5)
        for sender in self._senders:
            sender.join(35)
        with self._lock:
            return dict(self.statuses)
