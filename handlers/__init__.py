"""The handlers: python-telegram-bot callbacks that parse an update, call a service, render
the result as Telegram HTML (``render.py``, under 4,096 characters a message) and send it.

The core (``bot.nlp``, ``bot.sources``, ``db``) is reached only through the services, which
re-export the types and helpers the handlers need (``bot.services.stories``, ``.schedules``).

May import: ``telegram``, ``bot.services``, ``bot.messages``, ``bot.config``,
``bot.rate_limits`` (the flood limiter, a small room of its own that imports nothing).
"""
