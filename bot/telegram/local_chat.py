"""``storybot chat``: talk to the bot in the terminal, through the very handlers Telegram uses.

The adapter is a python-telegram-bot request object that answers the Bot API calls the
handlers make (sendMessage, editMessageText, getFile, …) by printing to the terminal, and the
loop turns what you type into Telegram updates. Nothing here summarizes or answers by itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import itertools
import json
import re
import select
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.request import BaseRequest, RequestData

from bot.config import Settings
from bot.messages import LOCAL_CHAT_INTRO as INTRO
from bot.messages import LOCAL_REPLY_USAGE, NO_SAMPLE, no_button, no_such_file
from bot.services.stories import StoryService
from bot.telegram.app import build_application

PROMPT = "you> "
LOCAL_CHAT_ID = 1
LOCAL_USER = {"id": 1, "is_bot": False, "first_name": "You"}
LOCAL_CHAT = {"id": LOCAL_CHAT_ID, "type": "private", "first_name": "You"}
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
    Path(__file__).resolve().parents[1] / "samples" / "sputnik-asat-2019.txt",
    Path("../shared/samples/sputnik-asat-2019.txt"),
)


class TerminalBotApi(BaseRequest):
    """Answers the handlers' Bot API calls locally, printing messages to the terminal."""

    def __init__(
        self, write: Callable[[str], None] = print, prompt: Callable[[], None] | None = None
    ) -> None:
        self.write = write
        # While the user sits at the prompt, a message the bot sends by itself (a scheduled
        # digest) starts on a line of its own and is followed by the prompt again.
        self.at_prompt = False
        self.prompt = prompt or (lambda: print(PROMPT, end="", flush=True))
        # One numbering for the user's and the bot's messages, as Telegram has in a chat, and
        # never the same number twice on the same database: the store links a number to the
        # story saved from it, or to the story the bot's message showed (replies find both).
        # Microseconds since 1970 go on past any number an earlier session gave out.
        self.message_ids = itertools.count(time.time_ns() // 1000)
        # The buttons under each shown message as it reads now, by its shown number: an edit
        # without a keyboard takes them away, as in Telegram. (label, callback data) pairs.
        self.buttons: dict[int, list[tuple[str, str]]] = {}
        self.last_shown = 0  # the number of the message printed last (sent or edited)
        # Each message's inline keyboard as it is now, as Telegram keeps it: a press carries
        # it, so the bot can tell a button it still offers from a stale one.
        self.keyboards: dict[int, dict[str, Any]] = {}
        self.files: dict[str, Path] = {}
        # The bot's messages as shown, numbered from 1 for /reply: number → the Message dict.
        self.shown: dict[int, dict[str, Any]] = {}
        self.numbers: dict[int, int] = {}  # message id → its shown number

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
        try:
            result = self.answer(api_method, params)
        except ChatNotFound:
            refusal = {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}
            return 400, json.dumps(refusal).encode()
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
        if method == "getChat":
            # The local chat is the only chat there is: any other (a channel's @name) is
            # unknown, as the Bot API says of a chat the bot is not in.
            if str(params.get("chat_id")) == str(LOCAL_CHAT_ID):
                return {**LOCAL_CHAT, "accent_color_id": 0, "max_reaction_count": 11}
            raise ChatNotFound()
        return True  # setMyCommands, sendChatAction, deleteWebhook, editMessageReplyMarkup…

    def show_message(self, params: dict[str, Any], *, edited: bool) -> dict[str, Any]:
        """Print a sent or edited message and its numbered buttons; return it as a Message."""
        message_id = params.get("message_id") or next(self.message_ids)
        text = params.get("text", "")
        number = self.numbers.setdefault(message_id, len(self.numbers) + 1)
        prefix = f"bot {number}> "
        interrupting = self.at_prompt
        if interrupting:
            self.write("")  # end the "you> " line the user was looking at
        self.write(
            ("(edited)\n" if edited else "")
            + prefix
            + terminal_text(text).replace("\n", "\n" + " " * len(prefix))
        )
        markup = params.get("reply_markup")
        rows = (markup or {}).get("inline_keyboard") or []
        self.buttons[number] = [(b["text"], b["callback_data"]) for row in rows for b in row]
        self.last_shown = number
        if rows:
            self.keyboards[message_id] = markup
        else:  # an edit without a keyboard removes the old one
            self.keyboards.pop(message_id, None)
        if rows:
            self.write(
                "     "
                + "  ".join(
                    f"[{n}] {label}" for n, (label, _) in enumerate(self.buttons[number], 1)
                )
            )
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": LOCAL_CHAT,
            "from": BOT_USER,
            "text": text,
        }
        # Kept as Telegram holds it (plain text, no HTML), for a later /reply.
        self.shown[number] = {**message, "text": terminal_text(text)}
        if interrupting:
            self.prompt()
        return message


class ChatNotFound(Exception):
    """A Bot API call about a chat other than the local one."""


def terminal_text(telegram_html: str) -> str:
    """Telegram HTML shown as plain terminal text."""
    text = re.sub(r"</?(b|i|blockquote|code|pre|u|s)>", "", telegram_html)
    text = re.sub(r'<a href="([^"]*)">(.*?)</a>', r"\2", text)
    return html.unescape(text)


class LocalChat:
    """Turns what the user types into updates for the application."""

    def __init__(
        self,
        settings: Settings,
        write: Callable[[str], None] = print,
        prompt: Callable[[], None] | None = None,
        paste_waiting: Callable[[], bool] | None = None,
    ) -> None:
        self.api = TerminalBotApi(write, prompt)
        self.paste_waiting = paste_waiting or terminal_input_waiting
        self.write = write
        self.application = build_application(
            settings, StoryService.from_settings(settings), request=self.api, token="local:chat"
        )
        self.update_ids = itertools.count(1)
        self.message_ids = self.api.message_ids

    async def send_text(self, text: str, reply_to: dict[str, Any] | None = None) -> None:
        """Send typed text as the user's message (a reply to ``reply_to``, one of the bot's
        messages), marking a leading /command as one."""
        entities = []
        if text.startswith("/"):
            command = text.split()[0]
            entities = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        message = self._message(text=text, entities=entities, reply_to_message=reply_to)
        await self._process({"message": message})

    async def reply(self, argument: str) -> None:
        """/reply N TEXT: send TEXT as a reply to the bot's message N."""
        number, _, text = argument.strip().partition(" ")
        shown = self.api.shown.get(int(number)) if number.isascii() and number.isdigit() else None
        if shown is None or not text.strip():
            self.write(LOCAL_REPLY_USAGE)
            return
        await self.send_text(text.strip(), reply_to=shown)

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

    async def press(self, number: int, message_number: int | None = None) -> None:
        """Press button N under message M (else under the last message), as it reads now: a
        button an edit took away (a confirmed Delete) can't be pressed any more."""
        shown = message_number if message_number is not None else self.api.last_shown
        buttons = self.api.buttons.get(shown, [])
        if not 1 <= number <= len(buttons):
            named = message_number is not None
            self.write(no_button(number, message_named=named, has_buttons=bool(buttons)))
            return
        _, data = buttons[number - 1]
        message_id = self.api.shown[shown]["message_id"]
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": LOCAL_CHAT,
            "from": BOT_USER,
            "text": "…",
        }
        if message_id in self.api.keyboards:
            message["reply_markup"] = self.api.keyboards[message_id]
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
            "chat": LOCAL_CHAT,
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
                        self.api.at_prompt = True
                        line = await read_in_background(read, PROMPT)
                    except EOFError:
                        break
                    finally:
                        self.api.at_prompt = False
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
                self.write(NO_SAMPLE)
            else:
                await self.send_file(sample)
            return True
        if stripped.startswith("/file "):
            path = Path(stripped[6:].strip()).expanduser()
            if not path.is_file():
                self.write(no_such_file(path))
            else:
                await self.send_file(path)
            return True
        if stripped == "/press" or stripped.startswith("/press "):
            numbers = [int(n) if n.isascii() and n.isdigit() else 0 for n in stripped.split()[1:]]
            if len(numbers) == 2:
                await self.press(numbers[1], numbers[0])
            else:
                await self.press(numbers[0] if len(numbers) == 1 else 0)
            return True
        if stripped == "/reply" or stripped.startswith("/reply "):
            await self.reply(stripped[6:])
            return True
        # A one-word line with more lines already waiting behind it is a paste's first line
        # (a "Sport" or "BREAKING" above an article), not a word typed on its own.
        single_word = len(stripped.split()) == 1 and not stripped.startswith("/")
        at_once = goes_at_once(stripped) and not (single_word and self.paste_waiting())
        text = stripped if at_once else self._rest_of_paste(line, read)
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


async def read_in_background(read: Callable[[str], str], prompt: str) -> str:
    """``read(prompt)`` on a daemon thread of its own, awaited.

    Not asyncio.to_thread: on Ctrl-C, asyncio.run cancels the chat and then waits for its
    default executor's threads, and one of them would still be blocked in input() until
    Enter. A daemon thread is simply left behind when the process exits.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[str] = loop.create_future()

    def settle(result: str | None, error: BaseException | None) -> None:
        if future.done():  # cancelled by Ctrl-C meanwhile
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result or "")

    def work() -> None:
        try:
            result, error = read(prompt), None
        except BaseException as exc:  # EOFError above all: handed to the awaiting loop
            result, error = None, exc
        with contextlib.suppress(RuntimeError):  # the loop closed: nobody waits any more
            loop.call_soon_threadsafe(settle, result, error)

    threading.Thread(target=work, name="local-chat-input", daemon=True).start()
    return await future


LINK = re.compile(r"^(https?://|www\.)\S+$", re.IGNORECASE)


def terminal_input_waiting(timeout: float = 0.05) -> bool:
    """Whether more lines already wait on the terminal: a paste arrives all at once, while
    a person types one line and waits for the answer. (Only a terminal can tell: piped
    input is read ahead into Python's buffer, so there the lines go as typed.)"""
    try:
        return sys.stdin.isatty() and bool(select.select([sys.stdin], [], [], timeout)[0])
    except (OSError, ValueError):  # stdin closed or not selectable
        return False


def goes_at_once(line: str) -> bool:
    """Whether a typed line is a whole message: a /command, a question, a lone link or a
    single word ("hi"). Anything else may be the first line of a pasted story."""
    return (
        line.startswith("/")
        or line.endswith("?")
        or bool(LINK.match(line))
        or len(line.split()) == 1
    )


def run_local_chat(settings: Settings) -> None:
    """Talk to the bot in this terminal until the user leaves (/quit, Ctrl-D or Ctrl-C)."""
    # Ctrl-C cancels the chat (asyncio.run's SIGINT handling), which stops the application
    # cleanly, then arrives here as KeyboardInterrupt: a way out like the others.
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(LocalChat(settings).run())
    print()
