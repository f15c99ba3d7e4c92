"""A tiny local HTTP server for tests: routes map a path to a canned or scripted response.

Usage::

    with LocalHTTPServer({"/": Route(body=b"<html>…</html>")}) as server:
        fetch(server.url("/"))

A ``Route`` body may be bytes (sent with a Content-Length) or a callable that writes the body
itself to ``handler.wfile`` (for trickling or chunked bodies); a ``raw`` route's callable writes
the whole response, status line included. Pass ``tls=`` a server SSLContext to serve https.
Only 127.0.0.1 is ever bound.
"""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Writer = Callable[[BaseHTTPRequestHandler], None]


@dataclass
class Route:
    """One canned response."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | Writer = b""
    raw: bool = False


@dataclass(frozen=True)
class RecordedRequest:
    """What the server saw of one request."""

    path: str
    headers: dict[str, str]


def html_route(html: str, *, status: int = 200, charset: str = "utf-8") -> Route:
    """A text/html response."""
    content_type = f"text/html; charset={charset}"
    return Route(status, {"Content-Type": content_type}, html.encode(charset))


def redirect(location: str, status: int = 302) -> Route:
    """A redirect to location."""
    return Route(status, {"Location": location})


def trickle(data: bytes, delay: float, *, step: int = 1) -> Writer:
    """A body writer that sends data step bytes at a time with delay seconds between writes."""

    def write(handler: BaseHTTPRequestHandler) -> None:
        for start in range(0, len(data), step):
            handler.wfile.write(data[start : start + step])
            handler.wfile.flush()
            time.sleep(delay)

    return write


def chunked(parts: Iterable[bytes], delay: float = 0.0) -> Writer:
    """A body writer using Transfer-Encoding: chunked (the route must send that header)."""

    def write(handler: BaseHTTPRequestHandler) -> None:
        for part in parts:
            handler.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            handler.wfile.flush()
            time.sleep(delay)
        handler.wfile.write(b"0\r\n\r\n")

    return write


def sleep_then(seconds: float, route: Route) -> Route:
    """A raw route that says nothing for seconds, then answers like route."""

    def write(handler: BaseHTTPRequestHandler) -> None:
        time.sleep(seconds)
        _send(handler, route)

    return Route(body=write, raw=True)


class LocalHTTPServer:
    """A threaded HTTP server on 127.0.0.1 with an ephemeral port, usable as a context manager."""

    def __init__(
        self, routes: dict[str, Route] | None = None, *, tls: ssl.SSLContext | None = None
    ) -> None:
        self.routes: dict[str, Route] = dict(routes or {})
        self.requests: list[RecordedRequest] = []
        self.scheme = "https" if tls else "http"
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        if tls is not None:
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self._server.daemon_threads = True
        # Slow test handlers may still be sleeping at shutdown; don't wait for them.
        self._server.block_on_close = False
        # A short poll interval keeps shutdown (and so each test's teardown) fast.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def port(self) -> int:
        """The bound port."""
        return self._server.server_address[1]

    def url(self, path: str = "/") -> str:
        """An absolute URL for path on this server."""
        return f"{self.scheme}://127.0.0.1:{self.port}{path}"

    def start(self) -> LocalHTTPServer:
        """Start serving in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the listening socket."""
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> LocalHTTPServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def _make_handler(server: LocalHTTPServer) -> type[BaseHTTPRequestHandler]:
    """Build a request handler class bound to server's routes and request log."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 - name fixed by BaseHTTPRequestHandler
            server.requests.append(RecordedRequest(self.path, dict(self.headers.items())))
            route = server.routes.get(self.path.split("?", 1)[0])
            if route is None:
                route = Route(404, {"Content-Type": "text/plain"}, b"not found")
            try:
                if route.raw and callable(route.body):
                    route.body(self)
                else:
                    _send(self, route)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up on purpose (timeouts, size caps)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            """Keep test output quiet."""

    return Handler


def _send(handler: BaseHTTPRequestHandler, route: Route) -> None:
    """Write route's status, headers and body."""
    handler.send_response(route.status)
    headers = {"Connection": "close", **route.headers}
    if isinstance(route.body, bytes) and "Content-Length" not in headers:
        headers["Content-Length"] = str(len(route.body))
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.end_headers()
    if callable(route.body):
        route.body(handler)
    else:
        handler.wfile.write(route.body)
    handler.close_connection = True
