"""What the tests and the benchmarks share, as python-telegram-bot keeps ``tests/auxil/``: the
fake Bot API (``fake_telegram``), the bot process launcher and the test bot's identity
(``bot_process``), the local HTTP server for links (``local_http``), the story fixtures
(``stories``, ``story_texts``, ``article_pages``, ``reports``), Telegram's HTML rules as a
reader sees them (``telegram_html``), the CLI and the local chat run from a script
(``cli_runs``, ``local_chat_session``), and a throwaway PostgreSQL server (``postgres_server``).

May import: ``bot``, ``handlers``, ``db``, ``tests.support``. Never a test module, so a test
module imports helpers from here, not from another test module, and the benchmarks (kept out
of the wheel) import only this.
"""
