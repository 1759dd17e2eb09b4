"""The HTTP front door: Slack's requests at ``/slack/events``, and ``GET /healthz``.

Signatures are verified by Bolt (``SLACK_SIGNING_SECRET``): a bad signature, or a timestamp
more than five minutes old, gets 401 and never reaches a listener.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from slack_bolt import App, BoltRequest

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
MAX_BODY = 1 << 20

Health = Callable[[], tuple[bool, dict[str, object]]]


def make_server(app: App, health: Health, host: str, port: int) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        server_version = "oversight"

        def do_GET(self) -> None:
            if self.path.split("?")[0] != HEALTH_PATH:
                self._send(404, {"error": "not found"})
                return
            ok, details = health()
            self._send(200 if ok else 503, {"ok": ok, **details})

        def do_POST(self) -> None:
            if self.path.split("?")[0] != EVENTS_PATH:
                self._send(404, {"error": "not found"})
                return
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                self._send(400, {"error": "bad Content-Length"})
                return
            if length < 0 or length > MAX_BODY:
                self._send(413, {"error": "too large"})
                return
            body = self.rfile.read(length).decode("utf-8", errors="replace")
            headers = {k.lower(): v for k, v in self.headers.items()}
            response = app.dispatch(BoltRequest(body=body, headers=headers))
            self.send_response(response.status)
            for name, values in response.headers.items():
                for value in values:
                    self.send_header(name, value)
            payload = (response.body or "").encode("utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _send(self, status: int, body: dict[str, object]) -> None:
            payload = json.dumps(body).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:
            # The request line only: never headers or bodies, which may carry case text.
            log.info(
                "%s %s -> %s",
                self.command,
                self.path.split("?")[0],
                args[1] if len(args) > 1 else "",
            )

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    return server
