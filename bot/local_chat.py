"""``storybot chat``: talk to the bot in the terminal, through the very handlers Telegram uses.

The adapter is a python-telegram-bot request object that answers the Bot API calls the
handlers make (sendMessage, editMessageText, getFile, …) by printing to the terminal, and the
loop turns what you type into Telegram updates. Nothing here summarizes or answers by itself.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.request import BaseRequest, RequestData

from bot.config import Settings
from bot.services import StoryService
from bot.telegram_app import build_application

LOCAL_CHAT_ID = 1
LOCAL_USER = {"id": 1, "is_bot": False, "first_name": "You"}
BOT_USER = {
    "id": 999,
    "is_bot": True,
    "first_name": "storybot",
    "username": "storybot_local_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
SAMPLE_CANDIDATES = (
    Path(__file__).parent / "samples" / "sputnik-asat-2019.txt",
    Path("../shared/samples/sputnik-asat-2019.txt"),
)
INTRO = """storybot local chat: this talks to the same handlers as Telegram, with a local store.
Paste or type a story (finish it with a line holding just '.'), ask a question ending in '?',
or use the commands (/help). Extra local commands:
  /sample       send the sample story (a real scraped article) to try the bot
  /file PATH    send a file as a document
  /press N      press button N under the last message
  /quit         leave
"""


class TerminalBotApi(BaseRequest):
    """Answers the handlers' Bot API calls locally, printing messages to the terminal."""

    def __init__(self, write: Callable[[str], None] = print) -> None:
        self.write = write
        self.message_ids = itertools.count(1000)
        self.buttons: list[tuple[str, str, int]] = []  # (label, callback data, message id)
        self.files: dict[str, Path] = {}

    @property
    def read_timeout(self) -> float | None:
        """No default read timeout: every call is answered locally."""
        return None

    async def initialize(self) -> None:
        """Nothing to set up: there is no connection."""
        return None

    async def shutdown(self) -> None:
        """Nothing to close: there is no connection."""
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        """Answer one Bot API call: a sent file's bytes, or the method's result as JSON."""
        if "/file/" in url:
            path = self.files.get(url.rsplit("/", 1)[-1])
            return (200, path.read_bytes()) if path else (404, b"")
        api_method = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        result = self.answer(api_method, params)
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def answer(self, method: str, params: dict[str, Any]) -> Any:
        """The Bot API result for one call, with the side effect of showing it."""
        if method == "getMe":
            return BOT_USER
        if method in ("sendMessage", "editMessageText"):
            return self.show_message(params, edited=method == "editMessageText")
        if method == "answerCallbackQuery":
            if params.get("text"):
                self.write(f"  ({params['text']})")
            return True
        if method == "getFile":
            file_id = params["file_id"]
            size = self.files[file_id].stat().st_size if file_id in self.files else 0
            return {
                "file_id": file_id,
                "file_unique_id": file_id,
                "file_size": size,
                "file_path": file_id,
            }
        if method == "getChatMember":
            return {"status": "creator", "user": LOCAL_USER, "is_anonymous": False}
        return True  # setMyCommands, sendChatAction, deleteWebhook, editMessageReplyMarkup…

    def show_message(self, params: dict[str, Any], *, edited: bool) -> dict[str, Any]:
        """Print a sent or edited message and its numbered buttons; return it as a Message."""
        message_id = params.get("message_id") or next(self.message_ids)
        text = params.get("text", "")
        self.write(
            ("(edited)\n" if edited else "")
            + "bot> "
            + terminal_text(text).replace("\n", "\n     ")
        )
        rows = (params.get("reply_markup") or {}).get("inline_keyboard") or []
        if rows:
            self.buttons = [
                (b["text"], b["callback_data"], message_id) for row in rows for b in row
            ]
            self.write(
                "     "
                + "  ".join(f"[{n}] {label}" for n, (label, _, _) in enumerate(self.buttons, 1))
            )
        return {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": LOCAL_CHAT_ID, "type": "private", "first_name": "You"},
            "from": BOT_USER,
            "text": text,
        }


def terminal_text(telegram_html: str) -> str:
    """Telegram HTML shown as plain terminal text."""
    text = re.sub(r"</?(b|i|blockquote|code|pre|u|s)>", "", telegram_html)
    text = re.sub(r'<a href="([^"]*)">(.*?)</a>', r"\2", text)
    return html.unescape(text)


class LocalChat:
    """Turns what the user types into updates for the application."""

    def __init__(self, settings: Settings, write: Callable[[str], None] = print) -> None:
        self.api = TerminalBotApi(write)
        self.write = write
        self.application = build_application(
            settings, StoryService.from_settings(settings), request=self.api, token="local:chat"
        )
        self.update_ids = itertools.count(1)
        self.message_ids = itertools.count(1)

    async def send_text(self, text: str) -> None:
        """Send typed text as the user's message, marking a leading /command as one."""
        entities = []
        if text.startswith("/"):
            command = text.split()[0]
            entities = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        await self._process({"message": self._message(text=text, entities=entities)})

    async def send_file(self, path: Path) -> None:
        """Send a file as the user's document."""
        file_id = f"local{next(self.update_ids)}"
        self.api.files[file_id] = path
        document = {
            "file_id": file_id,
            "file_unique_id": file_id,
            "file_name": path.name,
            "file_size": path.stat().st_size,
        }
        await self._process({"message": self._message(document=document)})

    async def press(self, number: int) -> None:
        """Press button N under the last message that had buttons, or say there is none."""
        if not 1 <= number <= len(self.api.buttons):
            self.write("There is no such button. Buttons are numbered under the last message.")
            return
        _, data, message_id = self.api.buttons[number - 1]
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": LOCAL_CHAT_ID, "type": "private", "first_name": "You"},
            "from": BOT_USER,
            "text": "…",
        }
        query = {
            "id": str(next(self.update_ids)),
            "from": LOCAL_USER,
            "chat_instance": "local",
            "data": data,
            "message": message,
        }
        await self._process({"callback_query": query})

    def _message(self, **fields: Any) -> dict[str, Any]:
        message = {
            "message_id": next(self.message_ids),
            "date": int(time.time()),
            "chat": {"id": LOCAL_CHAT_ID, "type": "private", "first_name": "You"},
            "from": LOCAL_USER,
        }
        message.update({k: v for k, v in fields.items() if v})
        return message

    async def _process(self, payload: dict[str, Any]) -> None:
        payload["update_id"] = next(self.update_ids)
        await self.application.process_update(Update.de_json(payload, self.application.bot))

    async def run(self, read: Callable[[str], str] = input) -> None:
        """Start the application and pass on what the user types until /quit or end of input."""
        async with self.application:
            await self.application.post_init(self.application)  # type: ignore[misc]
            # Started so the JobQueue runs: scheduled digests fire here as under `storybot run`.
            await self.application.start()
            try:
                self.write(INTRO)
                while True:
                    try:
                        line = await asyncio.to_thread(read, "you> ")
                    except EOFError:
                        break
                    if not await self.handle_line(line, read):
                        break
            finally:
                await self.application.stop()

    async def handle_line(self, line: str, read: Callable[[str], str]) -> bool:
        """One thing the user typed; False to leave."""
        stripped = line.strip()
        if stripped in ("/quit", "/exit"):
            return False
        if not stripped:
            return True
        if stripped == "/sample":
            sample = next((p for p in SAMPLE_CANDIDATES if p.exists()), None)
            if sample is None:
                self.write("The sample story isn't installed here.")
            else:
                await self.send_file(sample)
            return True
        if stripped.startswith("/file "):
            path = Path(stripped[6:].strip()).expanduser()
            if not path.is_file():
                self.write(f"No such file: {path}")
            else:
                await self.send_file(path)
            return True
        if stripped.startswith("/press"):
            number = stripped[6:].strip()
            await self.press(int(number) if number.isascii() and number.isdigit() else 0)
            return True
        text = (
            line
            if stripped.startswith("/") or stripped.endswith("?")
            else self._rest_of_paste(line, read)
        )
        await self.send_text(text)
        return True

    def _rest_of_paste(self, first: str, read: Callable[[str], str]) -> str:
        """A pasted story spans lines and paragraphs: read until a lone '.' or the end of input.

        Blank lines never end it: articles copied from web pages often hold runs of empty lines
        (where pictures and widgets were), and ending there split one story into two.
        """
        lines = [first]
        while True:
            try:
                line = read("")
            except EOFError:
                break
            if line.strip() == ".":
                break
            lines.append(line)
        return "\n".join(lines).strip()


def run_local_chat(settings: Settings) -> None:
    """Talk to the bot in this terminal until the user leaves."""
    asyncio.run(LocalChat(settings).run())
