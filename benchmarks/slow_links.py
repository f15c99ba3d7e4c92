"""Slow links against bystanders: how long a bystander waits for /list and for an answer
while ``--chats`` other chats each send a link to a site that trickles its page (slow-loris:
a byte every few hundred ms, so each fetch runs to the 20 s deadline).

    python -m benchmarks.slow_links [--chats 20] [--rounds 5]

``storybot run`` is started against the fake Bot API of ``tests/support/fake_telegram/``, as the
end-to-end tests start it, and the slow site is ``tests/support/local_http.py`` on 127.0.0.1. The
bystander (a private chat with one saved story) sends /list and a question ``--rounds``
times each, one after another, once every slow link is being fetched. Latency: the update
queued at the fake → the bot's reply to it received by the fake.

Goal (issue 14): the bystander's /list and questions ≤ 1 s while 20 chats fetch slow links.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from tests.support.bot_process import start_bot, stop_bot
from tests.support.fake_telegram import FakeTelegram
from tests.support.local_http import LocalHTTPServer, Route, trickle
from tests.support.stories import article

TOKEN = "123:SLOW"
BOT_NAME = "storybot_slow_bot"
REPLY_TIMEOUT = 120.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chats", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    page = b"<html><body><article>" + b"<p>slow words here</p>" * 2000 + b"</article></body>"
    slow = Route(body=trickle(page, 0.3), headers={"Content-Type": "text/html"})
    with tempfile.TemporaryDirectory() as scratch, LocalHTTPServer({"/slow": slow}) as site:
        db, log = Path(scratch) / "bench.db", Path(scratch) / "bot.log"
        with FakeTelegram(TOKEN, bot_username=BOT_NAME) as fake:
            process = start_bot(
                fake, db, log, timeout=180, extra_env={"STORYBOT_ALLOW_LOOPBACK_FETCH": "1"}
            )
            try:
                bystander = fake.user(1, "Bea")
                chat = fake.private_chat(bystander)
                saved = fake.user_sends_text(chat, bystander, article("harbour bridge"))
                fake.wait_for_reply(chat["id"], saved, REPLY_TIMEOUT)  # also warms the models
                senders = [fake.user(100 + n, f"Slow{n}") for n in range(args.chats)]
                for number, user in enumerate(senders):
                    fake.user_sends_text(
                        fake.private_chat(user), user, site.url(f"/slow?chat={number}")
                    )
                fake.wait_for(
                    lambda: (
                        len([r for r in site.requests if r.path.startswith("/slow")])
                        >= min(args.chats, 8)
                    ),
                    30,
                    "the slow fetches to start",
                )
                timings: dict[str, list[float]] = {"/list": [], "question": []}
                for _ in range(args.rounds):
                    for kind, text in (
                        ("/list", "/list"),
                        ("question", "Who approved the harbour bridge plan?"),
                    ):
                        started = time.perf_counter()
                        sent = fake.user_sends_text(chat, bystander, text)
                        fake.wait_for_reply(chat["id"], sent, REPLY_TIMEOUT)
                        timings[kind].append(time.perf_counter() - started)
            finally:
                stop_bot(process, timeout=60)
    print(f"{args.chats} chats fetching slow links; bystander, {args.rounds} rounds:")
    for kind, values in timings.items():
        print(f"  {kind}: max {max(values):.2f} s, median {sorted(values)[len(values) // 2]:.2f} s")
    worst = max(max(values) for values in timings.values())
    print(f"goal: <= 1 s: {'met' if worst <= 1.0 else 'NOT met'} (worst {worst:.2f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
