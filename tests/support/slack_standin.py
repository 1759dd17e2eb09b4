"""A small stand-in for Slack's Web API, served on loopback for the tests.

It answers the Web API methods the bot and the jobs call, records every call, serves the
response URLs that slash commands reply to, and the Socket Mode WebSocket. Tests can make it
answer with faults: HTTP 429 with Retry-After, 500, a dropped connection, or a Slack error
such as ``invalid_auth``; rate-limit a method for a while (``rate_limit``); and hold one call
unanswered (``hold``), so that a sender can be killed while its post is in flight.

The tests get it through the ``slack_standin`` fixture (conftest.py): one per test module,
reset before each test that uses it.
"""

from __future__ import annotations

import itertools
import json
import math
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from websockets.sync.server import ServerConnection, serve


@dataclass
class Call:
    method: str
    params: dict[str, object]
    token: str | None
    at: float = field(default_factory=time.monotonic)


@dataclass
class Fault:
    status: int = 200
    body: dict[str, object] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False  # close the connection without answering


class SlackStandIn:
    """The stand-in, knowing which messages Slack took, and able to hold one call unanswered.

    ``hold(method)`` makes the next call of ``method`` wait, unanswered, until ``let_go`` is
    set (``held`` is set when it arrives): a sender can be killed while its post is in flight.
    The held call is then answered with an error, as nobody is there to read the answer.
    """

    def __init__(self, port: int = 0) -> None:
        """``port``: the Web API's, on 127.0.0.1 (0: any free one)."""
        self.calls: list[Call] = []
        self.replies: dict[str, list[dict[str, object]]] = defaultdict(list)
        self.users: dict[str, dict[str, object]] = {}
        self.channels: dict[str, dict[str, object]] = {}
        self.usergroups: dict[str, list[str]] = {}
        self.valid_tokens: set[str] = set()
        self._faults: dict[str, deque[Fault]] = defaultdict(deque)
        self._lock = threading.Condition()
        self.held = threading.Event()
        self.let_go = threading.Event()
        self._holding: set[str] = set()
        self._slow: dict[str, float] = {}
        self._limited: dict[str, float] = {}  # method: rate-limited until (monotonic)
        self._posted: list[dict[str, object]] = []
        self._published: list[tuple[str, dict[str, object]]] = []  # Home views: (user, view)
        self._ts = itertools.count(1)
        self._http = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self._http.daemon_threads = True
        self._ws_connections: list[ServerConnection] = []
        self._ws_acks: dict[str, dict[str, object]] = {}
        self._ws = serve(self._on_socket, "127.0.0.1", 0)
        self._threads = [
            # A short poll, so that close() takes milliseconds rather than half a second.
            threading.Thread(
                target=self._http.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
            ),
            threading.Thread(target=self._ws.serve_forever, daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    # --- addresses -------------------------------------------------------------------------
    @property
    def port(self) -> int:
        return self._http.server_address[1]

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/respond/{name}"

    @property
    def socket_url(self) -> str:
        return f"ws://127.0.0.1:{self._ws.socket.getsockname()[1]}/link"

    def close(self) -> None:
        self.let_go.set()
        self._http.shutdown()
        self._http.server_close()
        for conn in list(self._ws_connections):
            conn.close()
        self._ws.shutdown()

    # --- set-up ----------------------------------------------------------------------------
    def add_user(self, user_id: str, **profile: object) -> None:
        self.users[user_id] = {
            "id": user_id,
            "is_restricted": False,
            "is_ultra_restricted": False,
            **profile,
        }

    def add_channel(self, channel_id: str, **info: object) -> None:
        self.channels[channel_id] = {"id": channel_id, "is_ext_shared": False, **info}

    def reset(self) -> None:
        """Forget every call, message, person, channel, group, reply, token, pending fault and
        held call, and close any Socket Mode connection: as good as a new stand-in."""
        self.let_go.set()  # a call still held is answered (with an error), not left waiting
        with self._lock:
            for table in (
                self.calls,
                self.users,
                self.channels,
                self.usergroups,
                self.replies,
                self.valid_tokens,
                self._faults,
                self._holding,
                self._slow,
                self._limited,
                self._posted,
                self._published,
                self._ws_acks,
            ):
                table.clear()
            connections = list(self._ws_connections)
            self._ws_connections.clear()
            self.held, self.let_go = threading.Event(), threading.Event()
        for conn in connections:
            conn.close()

    def hold(self, method: str) -> None:
        """The next call of ``method`` waits, unanswered, until ``let_go`` is set."""
        with self._lock:
            self._holding.add(method)

    def slow(self, method: str, seconds: float) -> None:
        """Every call of ``method`` is answered ``seconds`` late, as a busy Slack would."""
        with self._lock:
            self._slow[method] = seconds

    def rate_limit(self, method: str, seconds: float) -> None:
        """Every call of ``method`` in the next ``seconds`` gets HTTP 429, as Slack answers a
        method called too often: ``Retry-After`` says how many whole seconds are left."""
        with self._lock:
            self._limited[method] = time.monotonic() + seconds

    def _rate_limited(self, method: str) -> Fault | None:
        left = self._limited.get(method, 0.0) - time.monotonic()
        if left <= 0:
            return None
        body = {"ok": False, "error": "ratelimited"}
        return Fault(status=429, body=body, headers={"Retry-After": str(math.ceil(left))})

    def fail(self, method: str, *faults: Fault) -> None:
        """The next calls of ``method`` get these faults, in order, then normal answers."""
        with self._lock:
            self._faults[method].extend(faults)

    # --- what happened -----------------------------------------------------------------------
    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def views(self, user: str | None = None) -> list[dict[str, object]]:
        """The Home tab views Slack took (answered ok), oldest first (of ``user``, or of anyone);
        ``calls_to("views.publish")`` has every attempt."""
        with self._lock:
            return [view for to, view in self._published if user is None or to == user]

    def posted(self, starting: str = "") -> list[dict[str, object]]:
        """The messages Slack took (answered ok), whose text starts with ``starting``."""
        with self._lock:
            return [p for p in self._posted if str(p.get("text", "")).startswith(starting)]

    def wait_for_reply(self, name: str, timeout: float = 5.0) -> dict[str, object]:
        deadline = time.monotonic() + timeout
        with self._lock:
            while not self.replies.get(name):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no reply posted to {name} within {timeout} s")
                self._lock.wait(left)
            return self.replies[name][0]

    # --- Web API ---------------------------------------------------------------------------
    def _answer(self, method: str, params: dict[str, object], token: str | None) -> dict:
        with self._lock:
            hold = method in self._holding
            self._holding.discard(method)
            held, let_go = self.held, self.let_go
            late = self._slow.get(method, 0.0)
        time.sleep(late)
        if hold:
            held.set()
            let_go.wait(60)
            return {"ok": False, "error": "abandoned"}
        answer = self._web_api(method, params, token)
        if method == "chat.postMessage" and answer.get("ok"):
            with self._lock:
                self._posted.append({**params, "ts": answer["ts"]})
        if method == "views.publish" and answer.get("ok"):
            view = params["view"]
            with self._lock:
                self._published.append(
                    (str(params["user_id"]), json.loads(view) if isinstance(view, str) else view)
                )
        return answer

    def _web_api(self, method: str, params: dict[str, object], token: str | None) -> dict:
        if (
            self.valid_tokens
            and token not in self.valid_tokens
            and method != "apps.connections.open"
        ):
            return {"ok": False, "error": "invalid_auth"}
        if method == "auth.test":
            return {
                "ok": True,
                "user_id": "UBOT",
                "bot_id": "BBOT",
                "team_id": "T1",
                "url": "https://example.invalid/",
            }
        if method == "users.info":
            user = self.users.get(str(params.get("user")))
            return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}
        if method == "conversations.info":
            channel = self.channels.get(str(params.get("channel")))
            if channel is None:
                return {"ok": False, "error": "channel_not_found"}
            return {"ok": True, "channel": channel}
        if method == "usergroups.users.list":
            group = str(params.get("usergroup"))
            if group not in self.usergroups:
                return {"ok": False, "error": "no_such_subteam"}
            return {"ok": True, "users": self.usergroups[group]}
        if method == "apps.connections.open":
            return {"ok": True, "url": self.socket_url}
        if method == "chat.postMessage":
            channel = str(params.get("channel"))
            if channel not in self.channels:
                return {"ok": False, "error": "channel_not_found"}
            return {"ok": True, "channel": channel, "ts": f"{1600000000 + next(self._ts)}.000100"}
        if method == "conversations.open":
            users = str(params.get("users", ""))
            if users not in self.users:
                return {"ok": False, "error": "user_not_found"}
            return {"ok": True, "channel": {"id": f"D{users}"}}
        if method == "views.publish":
            user = str(params.get("user_id"))
            if user not in self.users:
                return {"ok": False, "error": "user_not_found"}
            view = params.get("view")
            view = json.loads(view) if isinstance(view, str) else view
            if not isinstance(view, dict) or view.get("type") != "home":
                return {"ok": False, "error": "invalid_arguments"}
            if len(view.get("blocks", [])) > 100:
                return {"ok": False, "error": "invalid_blocks"}
            return {"ok": True, "view": {"id": f"V{next(self._ts)}", **view}}
        if method == "files.getUploadURLExternal":
            n = next(self._ts)
            return {
                "ok": True,
                "file_id": f"F{n}",
                "upload_url": f"http://127.0.0.1:{self.port}/upload/F{n}",
            }
        if method == "files.completeUploadExternal":
            files = params.get("files")
            files = json.loads(files) if isinstance(files, str) else files
            return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in files]}
        return {"ok": True}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                path = self.path.split("?")[0]
                if path.startswith("/respond/"):
                    with standin._lock:
                        standin.replies[path.removeprefix("/respond/")].append(json.loads(raw))
                        standin._lock.notify_all()
                    self._send(200, b"ok", "text/plain")
                    return
                if path.startswith("/upload/"):
                    with standin._lock:
                        standin.calls.append(Call("upload", {"file": path, "bytes": raw}, None))
                    self._send(200, b"OK - " + str(len(raw)).encode(), "text/plain")
                    return
                method = path.removeprefix("/api/")
                params = standin._params(raw, self.headers.get("Content-Type", ""))
                auth = self.headers.get("Authorization", "")
                token = auth.removeprefix("Bearer ") if auth else params.get("token")
                with standin._lock:
                    standin.calls.append(Call(method, params, token))
                    fault = standin._faults[method].popleft() if standin._faults[method] else None
                    fault = fault or standin._rate_limited(method)
                    standin._lock.notify_all()
                if fault is not None:
                    if fault.drop:
                        self.close_connection = True
                        self.connection.shutdown(2)
                        return
                    body = fault.body if fault.body is not None else {"ok": False, "error": "fault"}
                    self._send(
                        fault.status, json.dumps(body).encode(), "application/json", fault.headers
                    )
                    return
                answer = standin._answer(method, params, token)
                self._send(200, json.dumps(answer).encode(), "application/json")

            def _send(
                self, status: int, payload: bytes, kind: str, headers: dict[str, str] | None = None
            ) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(payload)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        return Handler

    @staticmethod
    def _params(raw: bytes, content_type: str) -> dict[str, object]:
        if not raw:
            return {}
        if "json" in content_type:
            return json.loads(raw)
        if "multipart" in content_type:
            return {"multipart": raw}
        return {k: v[0] for k, v in parse_qs(raw.decode()).items()}

    # --- Socket Mode -----------------------------------------------------------------------
    def _on_socket(self, conn: ServerConnection) -> None:
        with self._lock:
            self._ws_connections.append(conn)
            self._lock.notify_all()
        conn.send(json.dumps({"type": "hello", "num_connections": 1}))
        try:
            for message in conn:
                data = json.loads(message)
                with self._lock:
                    self._ws_acks[data.get("envelope_id", "")] = data
                    self._lock.notify_all()
        except Exception:
            pass
        finally:
            with self._lock:
                if conn in self._ws_connections:
                    self._ws_connections.remove(conn)

    def wait_for_socket(self, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        with self._lock:
            while not self._ws_connections:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("the bot did not open a Socket Mode connection")
                self._lock.wait(left)

    def send_envelope(
        self, envelope_id: str, kind: str, payload: dict[str, object], timeout: float = 5.0
    ) -> dict[str, object]:
        """Send a Socket Mode envelope to the connected app and wait for its ack."""
        self.wait_for_socket(timeout)
        with self._lock:
            conn = self._ws_connections[-1]
        conn.send(
            json.dumps(
                {
                    "envelope_id": envelope_id,
                    "type": kind,
                    "payload": payload,
                    "accepts_response_payload": True,
                }
            )
        )
        deadline = time.monotonic() + timeout
        with self._lock:
            while envelope_id not in self._ws_acks:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no ack for envelope {envelope_id}")
                self._lock.wait(left)
            return self._ws_acks[envelope_id]
