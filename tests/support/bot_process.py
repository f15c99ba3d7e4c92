"""The real bot process (``python -m bot run``) against the fake Bot API: start, stop, kill.

One place for it, so the end-to-end tests, the fault and restart tests and the load benchmark
start and stop the bot the same way.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# The test bot's identity at the fake Bot API, shared by the fault and restart suites.
TOKEN = "123:TEST"
BOT_NAME = "storybot_test_bot"
# STORYBOT_SOAK=1 adds the slower variants of the process suites (longer holds, more kills).
SOAK = os.environ.get("STORYBOT_SOAK", "").strip().lower() in {"1", "true", "yes", "on"}


class BotExited(RuntimeError):
    """The bot process ended while it should have been polling."""


def start_bot(
    fake,
    db: Path,
    log: Path,
    *,
    timeout: float = 90.0,
    extra_env: dict[str, str] | None = None,
    run_args: Sequence[str] = (),
) -> subprocess.Popen:
    """``storybot run`` against the fake, its output appended to ``log``; returns once it polls
    (or, with ``--webhook`` among ``run_args``, once it has set its webhook)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "STORYBOT_"))}
    env.update(
        TELEGRAM_BOT_TOKEN=fake.token,
        TELEGRAM_API_BASE_URL=fake.base_url,
        PYTHONUNBUFFERED="1",
        **(extra_env or {}),
    )
    # Counting polls from now on tells a restarted bot's first poll from its predecessor's.
    ready_call = "setWebhook" if "--webhook" in run_args else "getUpdates"
    polls_before = fake.faults.arrived(ready_call)
    with log.open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "--db", str(db), "run", *run_args],
            cwd=REPO,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        fake.wait_for(
            lambda: fake.faults.arrived(ready_call) > polls_before or process.poll() is not None,
            timeout,
            "the bot to start polling",
        )
    except BaseException:
        kill(process)
        raise
    if process.poll() is not None:
        raise BotExited(f"the bot exited with {process.returncode}:\n{log.read_text()[-3000:]}")
    return process


def stop_bot(process: subprocess.Popen, timeout: float = 30.0) -> None:
    """SIGINT, which run_polling handles cleanly; SIGKILL if it does not end in time."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            kill(process)


def kill(process: subprocess.Popen) -> None:
    """SIGKILL: no clean-up of any kind, as in a power cut of the process."""
    if process.poll() is None:
        process.kill()
    process.wait(10)


# Read-only, so reading never blocks or changes the running bot's database.
def stories_of(db: Path, chat_id: int) -> list[sqlite3.Row]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10) as connection:
        connection.row_factory = sqlite3.Row
        return connection.execute(
            "SELECT * FROM stories WHERE chat_id = ? ORDER BY id", (chat_id,)
        ).fetchall()
