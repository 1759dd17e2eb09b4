"""The HTTP front door: Slack's requests at ``/slack/events``, and ``GET /healthz``.

Served by waitress, a production WSGI server from PyPI, through Bolt's own WSGI adapter, in one
process: its main thread reads every connection without blocking and buffers each request whole
(up to ``HTTP_MAX_BODY_BYTES``) before one of ``HTTP_THREADS`` threads sees it, so slow or silent
clients hold no thread. On top of waitress's listen backlog (``HTTP_BACKLOG``), connection limit
(``HTTP_CONNECTION_LIMIT``) and idle timeout (``HTTP_IDLE_TIMEOUT_SECONDS``), a request must arrive
in full within ``HTTP_READ_TIMEOUT_SECONDS`` of its first byte, or it is cut off with 408.

A request to ``/slack/events`` passes these checks in order: the method and path (405, 404); the
size its headers declare (413, before the body is read); Slack's signature headers
(``SLACK_SIGNING_SECRET``): none, or a timestamp that is not a number or is more than five
minutes from now, gets 401 as soon as the headers have arrived, and the body is never read; the
signature itself, on the raw bytes, before anything decodes or parses them (401); the body's
shape, parsed as Bolt parses it (400 for one Slack never sends); and then Bolt, which verifies
the signature again before any listener sees the request (see ``bot.signing``). Every request
gets one log line, its method, path and status, never its headers or body: case text must not
reach the log.
"""

from __future__ import annotations

import io
import json
import logging
import threading
import time
from collections.abc import Callable
from http import HTTPStatus

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from waitress import wasyncore
from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.server import TcpWSGIServer
from waitress.task import ErrorTask, ThreadedTaskDispatcher
from waitress.utilities import Error, RequestEntityTooLarge, RequestHeaderFieldsTooLarge

from bot.signing import Signatures, malformed
from oversight.settings import Settings

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
MAX_HEADER_BYTES = 64 << 10  # Slack's headers are a few hundred bytes
CHECK_SECONDS = 1  # how often idle connections and slow requests are looked for
STOP_SECONDS = 5  # how long a stop waits for requests being answered
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

Health = Callable[[], tuple[bool, dict[str, object]]]
StartResponse = Callable[..., object]


# --- the WSGI application ----------------------------------------------------------------------


class FrontDoor:
    """Routes ``/slack/events`` to Bolt's WSGI adapter and ``/healthz`` to the health check, and
    logs one line a request. Whatever goes wrong, the client gets a status, never a traceback."""

    def __init__(self, app: App, health: Health, signatures: Signatures) -> None:
        self._slack = SlackRequestHandler(app, path=EVENTS_PATH)
        self._health = health
        self._signatures = signatures

    def __call__(self, environ: dict[str, object], start_response: StartResponse) -> list[bytes]:
        method = str(environ.get("REQUEST_METHOD", ""))
        path = str(environ.get("PATH_INFO", ""))
        try:
            status, headers, body, why = self._answer(method, path, environ)
        except Exception as error:  # a mistake of ours: the type only, never its text
            status, headers, body, why = *_plain(500), type(error).__name__
        log.info("%s -> %s%s", _shown(method, path), status, f" ({why})" if why else "")
        start_response(f"{status} {HTTPStatus(status).phrase}", headers)
        return [body]

    def _answer(
        self, method: str, path: str, environ: dict[str, object]
    ) -> tuple[int, list[tuple[str, str]], bytes, str]:
        if path == HEALTH_PATH:
            if method not in ("GET", "HEAD"):
                return *_plain(405, [("Allow", "GET, HEAD")]), "GET only"
            ok, details = self._health()
            payload = json.dumps({"ok": ok, **details}).encode("utf-8")
            return 200 if ok else 503, _headers("application/json", payload), payload, ""
        if path != EVENTS_PATH:
            return *_plain(404), "no such path"
        if method != "POST":
            return *_plain(405, [("Allow", "POST")]), "POST only"
        timestamp = _text(environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP"))
        signature = _text(environ.get("HTTP_X_SLACK_SIGNATURE"))
        # The headers were checked as they arrived (_Parser); checked again here, as cheaply.
        refused = self._signatures.refused_by_headers(timestamp, signature)
        if refused is not None:
            return *_plain(401), refused
        stream = environ["wsgi.input"]
        raw = stream.read() if hasattr(stream, "read") else b""
        refused = self._signatures.refused(raw, timestamp, signature)
        if refused is not None:
            return *_plain(401), refused
        wrong = malformed(raw, _text(environ.get("CONTENT_TYPE")))
        if wrong is not None:
            return *_plain(400), wrong
        environ["wsgi.input"] = io.BytesIO(raw)
        environ["CONTENT_LENGTH"] = str(len(raw))
        answered: dict[str, object] = {}

        def keep(status: str, headers: list[tuple[str, str]], *_: object) -> None:
            answered.update(status=int(status.split()[0]), headers=headers)

        body = b"".join(self._slack(environ, keep))
        status = int(answered["status"])
        why = {401: "bad signature or stale timestamp", 404: "not handled"}.get(status, "")
        return status, list(answered["headers"]), body, why


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _plain(
    status: int, extra: list[tuple[str, str]] | None = None
) -> tuple[int, list[tuple[str, str]], bytes]:
    payload = f"{HTTPStatus(status).phrase}\n".encode()
    return status, [*_headers("text/plain; charset=utf-8", payload), *(extra or [])], payload


def _headers(kind: str, payload: bytes) -> list[tuple[str, str]]:
    return [("Content-Type", kind), ("Content-Length", str(len(payload)))]


def _shown(method: str | None, path: str | None) -> str:
    """The request as the log shows it: a known path and method, or only that it was another
    (what a client puts there is its own text, not ours to copy into the log)."""
    method = method if method in _METHODS else "(another method)"
    shown = path if path in (EVENTS_PATH, HEALTH_PATH) else "(another path)"
    return f"{method} {shown}"


# --- waitress, with a read deadline and plain refusals ------------------------------------------


class RequestTimeout(Error):
    code = 408
    reason = "Request Timeout"


class Unsigned(Error):
    """A request to /slack/events whose headers show it is not Slack's: refused before its body
    is read. ``body`` is why, in the log's words."""

    code = 401
    reason = "Unauthorized"


_REFUSALS = {
    RequestTimeout: "not sent in full within HTTP_READ_TIMEOUT_SECONDS",
    RequestEntityTooLarge: "the body is over HTTP_MAX_BODY_BYTES",
    RequestHeaderFieldsTooLarge: "the headers are too large",
}


class _Parser(HTTPRequestParser):
    """waitress's request parser, refusing a request to /slack/events as soon as its headers show
    it is not Slack's: the body it announces is never read (nor waited for)."""

    signatures: Signatures | None = None  # set on the class made for each server
    _checked = False

    def received(self, data: bytes) -> int:
        consumed = super().received(data)
        if self.headers_finished and not self._checked:
            self._checked = True
            if self.error is None and self.command == "POST" and self.path == EVENTS_PATH:
                why = self.signatures.refused_by_headers(
                    self.headers.get("X_SLACK_REQUEST_TIMESTAMP"),
                    self.headers.get("X_SLACK_SIGNATURE"),
                )
                if why is not None:
                    self.error = Unsigned(why)
                    self.completed = True
        return consumed


class _Refusal(ErrorTask):
    """A request waitress itself refused (malformed, too large, too slow): a plain answer with
    the status, and one log line without anything the client sent."""

    def execute(self) -> None:
        error = self.request.error
        why = next((w for kind, w in _REFUSALS.items() if isinstance(error, kind)), "malformed")
        if isinstance(error, Unsigned):
            why = error.body
        # A request cut off before its first line was read has no method or path yet.
        method = getattr(self.request, "command", None)
        shown = _shown(method, getattr(self.request, "path", None)) if method else "(a request)"
        log.info("%s -> %s (%s)", shown, error.code, why)
        body = f"{error.reason}\n".encode()
        self.status = f"{error.code} {error.reason}"
        self.response_headers.append(("Content-Type", "text/plain; charset=utf-8"))
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class _Channel(HTTPChannel):
    """One connection, knowing when the request it is reading began."""

    error_task_class = _Refusal
    request_started: float | None = None

    def received(self, data: bytes) -> bool:
        if self.request is None and data:
            self.request_started = time.monotonic()
        return super().received(data)

    def cut_off(self) -> None:
        """Answer the request being read with 408 and close: it took too long to arrive."""
        with self.requests_lock:
            request = self.request
            if request is None or self.requests or self.will_close or self.close_when_flushed:
                return
            request.error = RequestTimeout("")
            request.completed = True
            self.requests.append(request)
            self.request = None
            self.server.add_task(self)


class _Server(TcpWSGIServer):
    channel_class = _Channel
    read_timeout: float = 10.0

    def maintenance(self, now: float) -> None:
        super().maintenance(now)  # closes connections idle for longer than the idle timeout
        cutoff = time.monotonic() - self.read_timeout
        for channel in list(self.active_channels.values()):
            started = getattr(channel, "request_started", None)
            if channel.request is not None and started is not None and started < cutoff:
                channel.cut_off()


class _NoRequestText(logging.Filter):
    """waitress names a request's path in a few of its messages ("Client disconnected while
    serving /…"): what a client put there is not copied into the log."""

    MARKERS = (" while serving ", " when servicing ")

    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg)
        for marker in self.MARKERS:
            if marker in message:
                record.msg, record.args = f"{message.split(marker)[0]}{marker}a request", None
        return True


class Serving:
    """The front door, listening: ``start()`` serves in a background thread; ``stop()`` stops
    accepting, lets the requests being answered finish, and closes every connection."""

    def __init__(self, app: App, health: Health, host: str, settings: Settings) -> None:
        adjustments = Adjustments(
            host=host,
            port=settings.port,
            threads=settings.http_threads,
            backlog=settings.http_backlog,
            connection_limit=settings.http_connection_limit,
            channel_timeout=settings.http_idle_timeout_seconds,
            cleanup_interval=CHECK_SECONDS,
            asyncore_loop_timeout=CHECK_SECONDS,
            # waitress refuses a body of this many bytes or more
            max_request_body_size=settings.http_max_body_bytes + 1,
            max_request_header_size=MAX_HEADER_BYTES,
            asyncore_use_poll=True,  # select() cannot watch more than 1,024 connections
            log_socket_errors=False,  # a client that hangs up is not the server's fault
            expose_tracebacks=False,
            ident="oversight",
        )
        # waitress warns of every request that waits for a free thread: under a burst, hundreds
        # of lines that ask nothing of a person. Its other messages stay, without the path.
        logging.getLogger("waitress.queue").setLevel(logging.ERROR)
        waitress_log = logging.getLogger("waitress")
        if not any(isinstance(f, _NoRequestText) for f in waitress_log.filters):
            waitress_log.addFilter(_NoRequestText())
        # The threads start only once the port is ours: a port in use leaves none behind.
        self._dispatcher = ThreadedTaskDispatcher()
        self._map: dict[int, object] = {}
        signatures = Signatures(settings.slack_signing_secret)
        # A parser class of this server's own, knowing its signing secret.
        parser = type("Parser", (_Parser,), {"signatures": signatures})
        channel = type("Channel", (_Channel,), {"parser_class": parser})
        server = type("Server", (_Server,), {"channel_class": channel})
        self.server = server(
            FrontDoor(app, health, signatures),
            map=self._map,
            dispatcher=self._dispatcher,
            adj=adjustments,
        )
        self.server.read_timeout = settings.http_read_timeout_seconds
        self._dispatcher.set_thread_count(settings.http_threads)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="http", daemon=True)

    @property
    def port(self) -> int:
        return int(self.server.effective_port)

    def start(self) -> None:
        self._thread.start()

    def _serve(self) -> None:
        while not self._stopping.is_set():
            wasyncore.loop(timeout=CHECK_SECONDS, map=self._map, use_poll=True, count=1)

    def stop(self) -> None:
        self.server.accepting = False
        self._dispatcher.shutdown(cancel_pending=True, timeout=STOP_SECONDS)
        self._stopping.set()
        self.server.pull_trigger()
        self._thread.join(STOP_SECONDS + CHECK_SECONDS)
        wasyncore.close_all(self._map)
