"""The fake Bot API server on 127.0.0.1: the state of one bot's Telegram, and the HTTP handler
that answers its requests."""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

from .faults import Faults
from .methods import BotApiMethods
from .protocol import (
    JSON,
    ApiError,
    Call,
)
from .request_parsing import parse_body
from .world import SimulatedWorld

# -- the server ------------------------------------------------------------------------------


class FakeTelegram(SimulatedWorld, BotApiMethods):
    """A Bot API server for one bot, with the test-side API to play users, groups and channels."""

    def __init__(
        self,
        token: str = "123:TEST",
        *,
        bot_username: str = "storybot_test_bot",
        bot_name: str = "storybot",
        can_read_all_group_messages: bool = True,
    ) -> None:
        self.token = token
        bot_id = int(token.split(":", 1)[0])
        self.bot: JSON = {
            "id": bot_id,
            "is_bot": True,
            "first_name": bot_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": can_read_all_group_messages,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self.calls: list[Call] = []
        self.chats: dict[int, JSON] = {}
        self.messages: dict[tuple[int, int], JSON] = {}
        self.admins: dict[int, dict[int, str]] = {}  # chat id → user id → creator/administrator
        self.users: dict[int, JSON] = {}
        self.files: dict[str, tuple[str, bytes]] = {}  # file_id → (file_path, data)
        self.commands: list[JSON] = []
        self.update_times: dict[int, float] = {}  # update_id → monotonic time it was queued
        self.callback_queries: dict[str, JSON] = {}  # id → query, with "answered" bookkeeping
        self._updates: list[JSON] = []
        self._confirmed = 0  # every update_id below this has been confirmed
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count] = {}
        self._query_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._poll_generation = 0
        self.webhook: JSON | None = None  # {"url", "secret_token"} while a webhook is set
        self.webhook_deliveries: list[tuple[int, int]] = []  # (update_id, HTTP status)
        self._closing = False
        self._state = threading.Condition(threading.RLock())
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.faults = Faults(self)  # fault injection: see Faults below

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> FakeTelegram:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._state:
            self._closing = True
            self._state.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeTelegram:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "start the server first"
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        """What python-telegram-bot takes as base_url (the token is appended)."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"


def _handler_for(fake: FakeTelegram) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            return  # quiet: the calls are recorded instead

        def handle(self) -> None:
            # A bot killed (SIGKILL) mid-connection resets it: not the server's error.
            with contextlib.suppress(ConnectionResetError, BrokenPipeError):
                super().handle()

        def do_GET(self) -> None:  # noqa: N802
            self._serve()

        def do_POST(self) -> None:  # noqa: N802
            self._serve()

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            path = unquote(parts.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            file_prefix = f"/file/bot{fake.token}/"
            if path.startswith("/file/bot"):
                data = (
                    fake.download(path[len(file_prefix) :])
                    if path.startswith(file_prefix)
                    else None
                )
                if data is None:
                    self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                else:
                    self._raw(200, data, "application/octet-stream")
                return
            match = re.fullmatch(r"/bot([^/]+)/([A-Za-z]+)", path)
            if match is None:
                self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                return
            if match.group(1) != fake.token:
                self._reply(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
                return
            try:
                params, files = parse_body(self.headers.get("Content-Type", ""), body)
            except ApiError as error:
                self._reply(
                    error.code,
                    {"ok": False, "error_code": error.code, "description": error.description},
                )
                return
            except (ValueError, UnicodeDecodeError):
                self._reply(
                    400,
                    {
                        "ok": False,
                        "error_code": 400,
                        "description": "Bad Request: can't parse request body",
                    },
                )
                return
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            method, merged = match.group(2), {**query, **params}
            fired = fake.faults.take(method, merged)
            if fired is not None:
                refusal = fake.faults.serve(fired, files)
                if refusal is None:
                    self.close_connection = True  # closed without an answer
                else:
                    self._reply(fired.fault.status, refusal)
                return
            status, answer = fake.handle(method, merged, files)
            self._reply(status, answer)

        def _reply(self, status: int, answer: JSON) -> None:
            self._raw(status, json.dumps(answer).encode("utf-8"), "application/json")

        def _raw(self, status: int, data: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(data)

    return Handler
