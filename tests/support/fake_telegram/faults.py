"""Fault injection: rate limits, server errors, held and dropped requests, redelivered and
re-offered updates."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .protocol import (
    JSON,
    Call,
    _without_private,
)

if TYPE_CHECKING:
    from .server import FakeTelegram


# -- fault injection ---------------------------------------------------------------------------
#
#     fake.faults.inject("sendMessage", too_many_requests(2), times=1, chat_id=chat["id"])
#     fake.faults.inject("getUpdates", dropped(process=True))    # an answer full of updates lost
#     fake.faults.inject("sendMessage", stall())                 # held until fake.faults.release()
#
# Self-contained: FakeTelegram makes one ``Faults`` in __init__ and the HTTP handler asks it,
# before answering, whether this request meets a fault.

RETRY_AFTER = "Too Many Requests: retry after {}"


@dataclass(frozen=True)
class Fault:
    """What happens to a request instead of (or besides) the normal answer.

    * ``error``: the answer is ``status`` at once (429 with ``parameters.retry_after``, 500,
      502, …) and the call is not carried out, as Telegram refuses it.
    * ``timeout``: the request is held ``hold`` seconds (longer than the client waits), then
      carried out if ``process`` (Telegram got it but answered too late), and the connection
      closes without an answer. ``hold=None`` holds until ``Faults.release()``: a stall.
    * ``drop``: after ``after`` seconds the connection closes without an answer; if ``process``
      the call was carried out first (the answer was lost: a getUpdates waits for updates as
      usual and they stay unconfirmed), else the request was lost.
    """

    kind: str  # "error", "timeout" or "drop"
    status: int = 0
    description: str = ""
    retry_after: int | None = None
    hold: float | None = 0.0
    process: bool = False

    @property
    def answer(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def too_many_requests(retry_after: int = 1) -> Fault:
    """429 as the Bot API sends it: ``parameters.retry_after`` in seconds."""
    return Fault("error", 429, RETRY_AFTER.format(retry_after), retry_after=retry_after)


def server_error(status: int = 500) -> Fault:
    """500 Internal Server Error, 502 Bad Gateway or another 5xx: the call was not done."""
    descriptions = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}
    return Fault("error", status, descriptions.get(status, f"Server Error {status}"))


def timeout(hold: float, *, process: bool = True) -> Fault:
    """Held ``hold`` seconds (make it longer than the client's read timeout), then done (or
    not), never answered."""
    return Fault("timeout", hold=hold, process=process)


def stall(*, process: bool = True) -> Fault:
    """Held until ``Faults.release()`` (or the server stops), then done (or not), never
    answered."""
    return Fault("timeout", hold=None, process=process)


def dropped(*, process: bool = False, after: float = 0.0) -> Fault:
    """The connection closes without an answer after ``after`` seconds; with ``process`` the
    call was carried out first (only its answer is lost)."""
    return Fault("drop", hold=after, process=process)


@dataclass
class FaultRule:
    method: str  # lower case
    fault: Fault
    remaining: int | None  # None: until cleared
    chat_id: int | None = None


@dataclass
class FiredFault:
    """A request that met a fault."""

    method: str
    fault: Fault
    params: JSON
    at: float  # time.monotonic() when it arrived
    done: bool = False  # the hold or drop is over (the connection was closed)
    lost_answer: JSON | None = None  # what the call got when carried out, never delivered
    chat_id: int | None = None  # the chat it concerns (FakeTelegram.chat_of_request)


class Faults:
    """The fake's fault plan: rules matched in order, what fired, and every request's arrival."""

    def __init__(self, fake: FakeTelegram) -> None:
        self.fake = fake
        self.rules: list[FaultRule] = []
        self.fired: list[FiredFault] = []
        self.arrivals: list[tuple[str, float]] = []  # (method, time.monotonic()) of every call
        self._release = threading.Event()

    def inject(
        self, method: str, fault: Fault, *, times: int | None = 1, chat_id: int | None = None
    ) -> FaultRule:
        """The next ``times`` calls of ``method`` (every call while ``times`` is None), to one
        chat if ``chat_id`` is given, meet ``fault``."""
        rule = FaultRule(method.lower(), fault, times, chat_id)
        with self.fake._state:
            self.rules.append(rule)
        return rule

    def clear(self) -> None:
        """No more faults; stalled requests go on."""
        with self.fake._state:
            self.rules.clear()
        self.release()

    def release(self) -> None:
        """Let every stalled request go on (to be carried out or not, as its fault says)."""
        self._release.set()
        self._release = threading.Event()

    def fired_for(self, method: str, chat_id: int | None = None) -> list[FiredFault]:
        with self.fake._state:
            return [
                f
                for f in self.fired
                if f.method.lower() == method.lower() and (chat_id is None or f.chat_id == chat_id)
            ]

    def arrived(self, method: str) -> int:
        """How many calls of ``method`` have arrived (answered or not yet)."""
        with self.fake._state:
            return sum(1 for name, _ in self.arrivals if name.lower() == method.lower())

    def waiting(self, method: str) -> int:
        """How many calls of ``method`` have arrived and are not over yet (a long poll
        waiting for updates, a held request)."""
        with self.fake._state:
            over = len(self.fake.calls_to(method)) + sum(
                1
                for f in self.fired_for(method)
                if f.fault.kind != "error" and f.done and not f.fault.process
            )
            return self.arrived(method) - over

    def redeliver(self, message: JSON) -> int:
        """The same message again in a new update (a new update_id); the update_id."""
        with self.fake._state:
            stored = self.fake._message(message["chat"]["id"], message["message_id"]) or message
            kind = "channel_post" if stored["chat"]["type"] == "channel" else "message"
            return self.fake._enqueue({kind: _without_private(stored)})

    def reoffer(self, message: JSON) -> int:
        """The update that brought ``message`` offered again with its own update_id, though the
        bot confirmed it (as Telegram does when the confirmation was lost); the update_id."""
        with self.fake._state:
            stored = self.fake._message(message["chat"]["id"], message["message_id"]) or message
            kind = "channel_post" if stored["chat"]["type"] == "channel" else "message"
            update = {"update_id": stored["_update_id"], kind: _without_private(stored)}
            self.fake._updates.insert(0, {**update, "_reoffered": True})
            self.fake._state.notify_all()
            return update["update_id"]

    def take(self, method: str, params: JSON) -> FiredFault | None:
        """Record the request's arrival; the fault it meets, if any (spending one of its rule's
        times)."""
        now = time.monotonic()
        with self.fake._state:
            self.arrivals.append((method, now))
            chat_id = self.fake.chat_of_request(method, params)
            for rule in self.rules:
                if rule.method != method.lower() or rule.remaining == 0:
                    continue
                if rule.chat_id is not None and rule.chat_id != chat_id:
                    continue
                if rule.remaining is not None:
                    rule.remaining -= 1
                fired = FiredFault(method, rule.fault, dict(params), now, chat_id=chat_id)
                self.fired.append(fired)
                self.fake._state.notify_all()
                return fired
            self.fake._state.notify_all()
        return None

    def serve(self, fired: FiredFault, files: dict[str, bytes]) -> JSON | None:
        """Carry out a faulted request: the error answer to send, or None to close the
        connection without one (after any hold, and after doing the call if the fault says)."""
        fault = fired.fault
        if fault.kind == "error":
            call = Call(fired.method, fired.params, fired.at, fault.status, fault.answer)
            with self.fake._state:
                self.fake.calls.append(call)
                fired.done = True
                self.fake._state.notify_all()
            return fault.answer
        release = self._release
        if fault.hold is None:
            while not (release.wait(0.2) or self.fake._closing):
                pass
        elif fault.hold > 0:
            release.wait(fault.hold)
        if fault.process and not self.fake._closing:
            fired.lost_answer = self.fake.handle(fired.method, fired.params, files)[1]
        with self.fake._state:
            fired.done = True
            self.fake._state.notify_all()
        return None
