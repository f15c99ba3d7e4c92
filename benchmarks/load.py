"""Load: many private chats, each sending stories then questions, to the real bot process.

    storybot bench load --data ../shared/eval [--chats 300] [--stories 10] [--questions 10]
    python -m benchmarks.load --data ../shared/eval --chats 1000      (the issue's full size)
    python -m benchmarks.load --data ../shared/eval --workers 1 2     (one run per pool size)

``storybot run`` is started as a subprocess against the fake Bot API server of
``tests/support/fake_telegram/`` (real HTTP on 127.0.0.1, long polling), exactly as the end-to-end
tests start it, with its Telegram rate limiting as shipped (python-telegram-bot's
``AIORateLimiter``: 30 calls a second overall; each reply costs a "typing…" action and the
message, so about 2 calls per update).

Each chat is one user in a private chat who sends ``--stories`` BBC News Summary articles
(cycled over the chats, title line then paragraphs, clipped at a paragraph to Telegram's 4,096
characters) and then ``--questions`` questions built from those stories' sentences (who, what,
when, where forms; one in ten about nothing stored). By default every user waits for the
bot's reply before sending the next message (closed loop: ``--chats`` messages in flight);
``--burst`` queues every update at once instead. The bot lets each user send 20 messages a
minute (20 at once at most, ``bot/rate_limits.py``): past 20 messages a chat, replies that come
quickly make later messages be dropped by design (counted as per-user limit warnings and,
after ``--reply-timeout``, as unanswered).

Reported: updates per second over the measured run, reply latency p50/p95/max (the update
queued at the fake → the bot's sendMessage replying to it received by the fake), per kind,
and peak resident memory (``VmHWM`` of ``/proc/<pid>/status``): the bot's plus its child
processes' (the analysis pool's workers). ``--workers`` sets ``STORYBOT_NLP_WORKERS`` for the
bot; given several, each gets a run of its own, in the same invocation. One warm-up
chat (a story and a question) runs first and is not counted: it pays for loading spaCy.
"""

from __future__ import annotations

import argparse
import queue
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.answer_speed import load_articles
from benchmarks.percentiles import percentile

REPO = Path(__file__).resolve().parents[1]
TOKEN = "123:LOAD"
BOT_NAME = "storybot_load_bot"
SORRY = "Sorry, something went wrong"
TOO_FAST_START = "You're sending messages too fast"
STARTUP_TIMEOUT = 120.0
TEXT_LIMIT = 4096  # what a Telegram user can send in one message
SEED = 11
WH = ("Who", "What", "When", "Where")
UNRELATED = (
    "Who won the Tour de France?",
    "When did the Berlin Wall fall?",
    "Where did the Olympic torch relay start?",
    "What did the Pope say about climate change?",
)


def story_message(title: str, paragraphs: Sequence[str]) -> str:
    """The article as a user pastes it: title, blank line, paragraphs, within 4,096 chars."""
    text = title
    for paragraph in paragraphs:
        longer = f"{text}\n\n{paragraph}"
        if len(longer) > TEXT_LIMIT:
            break
        text = longer
    return text


def questions_about(
    rng: random.Random, articles: Sequence[tuple[str, list[str]]], count: int
) -> list[str]:
    """Questions from the chat's own stories' sentences; one in ten about nothing stored."""
    questions: list[str] = []
    while len(questions) < count:
        if len(questions) % 10 == 9:
            questions.append(rng.choice(UNRELATED))
            continue
        _, paragraphs = rng.choice(articles)
        sentences = re.split(r"(?<=[.!?])\s+", rng.choice(paragraphs))
        words = [w.strip(",.\"'") for w in rng.choice(sentences).split()][1:9]
        words = [w for w in words if w]
        if len(words) < 4:
            continue
        wh = rng.choice(WH)
        verb = " did" if wh != "Who" else ""
        questions.append(f"{wh}{verb} {' '.join(words)}?")
    return questions


@dataclass
class Script:
    """One chat's user and the messages they will send, in order: (kind, text)."""

    chat: dict
    user: dict
    messages: list[tuple[str, str]]
    next: int = 0
    waiting: tuple[int, int, str, float] | None = None  # (message id, update id, kind, sent at)


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {"story": [], "question": []})
    sorry: int = 0
    too_fast: int = 0  # the bot's per-user limit refused a message (said once per run-out)
    unanswered: int = 0
    first_sent: float | None = None
    last_reply: float | None = None


def make_fake():
    """The fake server, with a hook that reports every reply the bot sends."""
    from tests.support.fake_telegram import FakeTelegram

    class ReportingFake(FakeTelegram):
        def __init__(self) -> None:
            super().__init__(TOKEN, bot_username=BOT_NAME)
            self.replies: queue.Queue[tuple[int, int | None, str, float]] = queue.Queue()

        def handle(self, method, raw, files):
            status, response = super().handle(method, raw, files)
            if method.lower() == "sendmessage" and status == 200:
                received = time.monotonic()
                result = response["result"]
                replied = result.get("reply_to_message") or {}
                chat_id = result["chat"]["id"]
                self.replies.put((chat_id, replied.get("message_id"), result["text"], received))
            return status, response

    return ReportingFake()


def vm_field(pid: int, name: str) -> int | None:
    """A /proc/<pid>/status memory field, in kB (None where /proc is absent)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(name + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def start_bot(
    fake, folder: Path, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen, Path]:
    """The bot process on a new database in ``folder``, and its log. The bot starts with none
    of this process's STORYBOT_ settings: ``env`` adds the ones a run sets."""
    from tests.support.bot_process import start_bot as start_bot_process

    log = folder / "bot.log"
    process = start_bot_process(
        fake, folder / "bot.db", log, timeout=STARTUP_TIMEOUT, extra_env=env or None
    )
    return process, log


def warm_up(fake, articles: Sequence[tuple[str, list[str]]]) -> None:
    """A story and a question in a chat of its own: loads spaCy and friends, not measured."""
    user = fake.user(9_999_999, "Warm")
    chat = fake.private_chat(user)
    for text in (story_message(*articles[0]), "Who said what?"):
        sent = fake.user_sends_text(chat, user, text)
        fake.wait_for_reply(chat["id"], sent, STARTUP_TIMEOUT)
    while not fake.replies.empty():
        fake.replies.get_nowait()


def drive(fake, scripts: list[Script], *, burst: bool, timeout: float, deadline: float) -> Results:
    """Send every script's messages (each after the previous reply, or all at once) and
    collect the latency of each reply."""
    results = Results()
    by_chat = {s.chat["id"]: s for s in scripts}
    pending: dict[tuple[int, int], tuple[int, str]] = {}  # (chat, message) → (update, kind)

    def send(script: Script) -> None:
        kind, text = script.messages[script.next]
        script.next += 1
        message = fake.user_sends_text(script.chat, script.user, text)
        pending[(script.chat["id"], message["message_id"])] = (message["_update_id"], kind)
        script.waiting = (message["message_id"], message["_update_id"], kind, time.monotonic())

    results.first_sent = time.monotonic()
    if burst:
        longest = max(len(s.messages) for s in scripts)
        for step in range(longest):
            for script in scripts:
                if step < len(script.messages):
                    send(script)
    else:
        for script in scripts:
            send(script)
    while pending:
        now = time.monotonic()
        if now > deadline:
            results.unanswered += len(pending)
            print(f"stopped at the deadline with {len(pending)} updates unanswered")
            break
        try:
            chat_id, message_id, text, received = fake.replies.get(timeout=1.0)
        except queue.Empty:
            if not burst:  # a message the bot never answered must not stall its chat
                for script in scripts:
                    if script.waiting and now - script.waiting[3] > timeout:
                        pending.pop((script.chat["id"], script.waiting[0]), None)
                        results.unanswered += 1
                        script.waiting = None
                        if script.next < len(script.messages):
                            send(script)
            continue
        if message_id is None:  # not a reply: the per-user limit's warning, or a second part
            results.too_fast += TOO_FAST_START in text
            continue
        entry = pending.pop((chat_id, message_id), None)
        if entry is None:
            continue  # a second reply to the same message: only the first counts
        update_id, kind = entry
        results.latencies[kind].append(received - fake.update_times[update_id])
        results.sorry += SORRY in text
        results.last_reply = received
        script = by_chat[chat_id]
        if not burst and script.waiting and script.waiting[0] == message_id:
            script.waiting = None
            if script.next < len(script.messages):
                send(script)
    return results


def children_peak_kb(pid: int) -> list[int]:
    """Each child process's peak resident memory (VmHWM) in kB: the pool's workers."""
    peaks = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in children:
            peak = vm_field(int(child), "VmHWM")
            if peak is not None:
                peaks.append(peak)
    return peaks


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="storybot bench load", description=__doc__)
    parser.add_argument("--data", type=Path, default=Path("../shared/eval"))
    parser.add_argument("--chats", type=int, default=300, help="private chats (issue: 1000)")
    parser.add_argument("--stories", type=int, default=10, help="stories per chat")
    parser.add_argument("--questions", type=int, default=10, help="questions per chat")
    parser.add_argument(
        "--burst", action="store_true", help="queue every update at once (default: closed loop)"
    )
    parser.add_argument(
        "--reply-timeout", type=float, default=300.0, help="seconds before a message counts lost"
    )
    parser.add_argument(
        "--max-minutes", type=float, default=30.0, help="stop waiting for replies after this"
    )
    parser.add_argument(
        "--workers",
        type=int,
        nargs="+",
        metavar="N",
        help="STORYBOT_NLP_WORKERS for the bot; several numbers: one run each, in this order, "
        "each on a fresh bot and database (default: the bot's own, one per core)",
    )
    args = parser.parse_args(list(argv) if argv is not None else None)
    folder = args.data / "bbc-news-summary"
    if not (folder / "News Articles").is_dir():
        print(f"skipped: no BBC News Summary data at {folder}")
        return 0
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))  # tests.support.fake_telegram, when run as a script
    articles = load_articles(folder)
    failed = False
    first_rate: float | None = None
    for workers in args.workers or [None]:
        ok, rate = run_once(args, articles, workers)
        failed |= not ok
        first_rate = first_rate or rate
        if args.workers and len(args.workers) > 1:
            print(f"\nupdates/s × first run: {rate / first_rate:.2f}", flush=True)
    return 1 if failed else 0


def run_once(
    args: argparse.Namespace, articles: Sequence[tuple[str, list[str]]], workers: int | None
) -> tuple[bool, float]:
    """One load run on a fresh bot and database: (every update answered, updates/s)."""
    from tests.support.bot_process import stop_bot as stop_bot_process

    rng = random.Random(SEED)
    fake = make_fake().start()
    scripts: list[Script] = []
    for number in range(args.chats):
        user = fake.user(100_000 + number, f"Reader{number}", f"reader{number}")
        chosen = [
            articles[(number * args.stories + i) % len(articles)] for i in range(args.stories)
        ]
        messages = [("story", story_message(t, p)) for t, p in chosen]
        messages += [("question", q) for q in questions_about(rng, chosen, args.questions)]
        scripts.append(Script(fake.private_chat(user), user, messages))
    updates = sum(len(s.messages) for s in scripts)
    env = {} if workers is None else {"STORYBOT_NLP_WORKERS": str(workers)}

    with tempfile.TemporaryDirectory(prefix="storybot-load-") as scratch:
        process, log = start_bot(fake, Path(scratch), env)
        try:
            warm_up(fake, articles)
            rss_ready = vm_field(process.pid, "VmRSS")
            calls_before = len(fake.calls)
            deadline = time.monotonic() + args.max_minutes * 60
            results = drive(
                fake, scripts, burst=args.burst, timeout=args.reply_timeout, deadline=deadline
            )
            peak = vm_field(process.pid, "VmHWM")
            worker_peaks = children_peak_kb(process.pid)
            rss_end = vm_field(process.pid, "VmRSS")
            calls = fake.calls[calls_before:]
            refused = [c for c in calls if not c.ok and c.method != "getUpdates"]
            alive = process.poll() is None
            db_bytes = sum(p.stat().st_size for p in Path(scratch).glob("bot.db*"))
        finally:
            stop_bot_process(process)
            fake.stop()
        if not alive:
            print(log.read_text()[-3000:])

    answered = sum(len(v) for v in results.latencies.values())
    elapsed = (results.last_reply or time.monotonic()) - (results.first_sent or 0.0)
    api_calls = sum(1 for c in calls if c.method != "getUpdates")
    mode = "burst (all queued at once)" if args.burst else "closed loop (one message in flight)"
    pool = "the bot's default" if workers is None else str(workers)
    tree = (peak or 0) + sum(worker_peaks)
    print(
        f"\n### Load: {args.chats} chats × ({args.stories} stories + {args.questions} questions)"
        f", {mode}, STORYBOT_NLP_WORKERS={pool}\n"
    )
    print("| updates | answered | seconds | updates/s | Bot API calls/s | peak RSS | DB |")
    print("|---|---|---|---|---|---|---|")
    print(
        f"| {updates} | {answered} | {elapsed:.0f} | {answered / elapsed:.1f} | "
        f"{api_calls / elapsed:.1f} | {tree / 1024:.0f} MB | {db_bytes / 1e6:.0f} MB |"
    )
    print("\n| replies to | n | p50 s | p95 s | max s |")
    print("|---|---|---|---|---|")
    for kind, values in (*results.latencies.items(), ("all", sum(results.latencies.values(), []))):
        if values:
            print(
                f"| {kind} | {len(values)} | {statistics.median(values):.2f} | "
                f"{percentile(values, 0.95):.2f} | {max(values):.2f} |"
            )
    children = " + ".join(f"{kb / 1024:.0f}" for kb in worker_peaks)
    print(
        f"\nBot RSS after warm-up {(rss_ready or 0) / 1024:.0f} MB, at the end "
        f"{(rss_end or 0) / 1024:.0f} MB, peak (VmHWM) {(peak or 0) / 1024:.0f} MB"
        + (f", its child processes' peaks {children} MB" if worker_peaks else "")
        + " (peak RSS above: the bot's plus its children's, an upper bound for the tree). "
        f"Unanswered: {results.unanswered}; error replies: {results.sorry}; "
        f"per-user limit warnings: {results.too_fast}; "
        f"refused Bot API calls: {len(refused)}; bot alive at the end: {alive}.",
        flush=True,
    )
    return alive and not results.unanswered, answered / elapsed


if __name__ == "__main__":
    sys.exit(main())
