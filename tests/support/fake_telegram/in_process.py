"""The fake Bot API without HTTP: a python-telegram-bot request object that hands each call to
a :class:`FakeTelegram` in the same process, for tests that drive an ``Application`` with
``process_update`` (no polling, no server thread), yet meet the same strict Bot API as the
real bot process does.

May import: ``telegram``, ``tests.support``.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote, urlsplit

from telegram.request import BaseRequest, RequestData

from .server import FakeTelegram


class FakeTelegramRequest(BaseRequest):
    """Answers the Application's Bot API calls from ``fake`` (recorded in ``fake.calls``) and
    serves its file downloads; keeps every URL asked for in ``urls``."""

    def __init__(self, fake: FakeTelegram) -> None:
        self.fake = fake
        self.urls: list[str] = []

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, **_: Any
    ) -> tuple[int, bytes]:
        self.urls.append(url)
        file_prefix = f"/file/bot{self.fake.token}/"
        path = unquote(urlsplit(url).path)  # the token is quoted in file URLs
        if path.startswith(file_prefix):
            data = self.fake.download(path[len(file_prefix) :])
            if data is None:
                return 404, json.dumps(
                    {"ok": False, "error_code": 404, "description": "Not Found"}
                ).encode()
            return 200, data
        params = dict(request_data.parameters) if request_data else {}
        status, answer = self.fake.handle(url.rsplit("/", 1)[-1], params, {})
        return status, json.dumps(answer).encode()
