"""storybot: the bot, by role. From the bottom up:

- ``db`` (beside ``bot``): the store, the schema, schedules, the update journal;
- ``bot.messages``: every word users read; ``bot.config``; ``bot.rate_limits``;
- ``bot.sources``: fetching links, reading pages and files;
- ``bot.nlp``: the language work (cleaning, sentences, summaries, answers, dates);
- ``bot.services``: what every front end calls (stories, ingest, digests, schedules, feeds,
  settings);
- ``handlers`` (beside ``bot``): Telegram updates in, one service call, rendered replies out;
- ``bot.telegram``: the python-telegram-bot application and the local chat;
- ``bot.cli``: the ``storybot`` command.

Each package's ``__init__`` says what it may import (tests/test_layering.py checks it); a
module at this level says so in its own docstring.

May import: nothing of the project.
"""
