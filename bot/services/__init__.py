"""The services: what the handlers, the local chat and the CLI call. Each takes plain values
(a chat id, a text, a story id) and returns data; all of it is blocking work (SQLite, spaCy,
sumy), so the Telegram edge calls it in a worker thread.

May import: ``bot.nlp``, ``bot.nlp.answers``, ``bot.sources``, ``bot.config``, ``bot.messages``,
``db``. Never ``telegram`` or ``handlers``.
"""
