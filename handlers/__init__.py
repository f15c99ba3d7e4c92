"""The handlers: python-telegram-bot callbacks that parse an update, call a service, render
the result as Telegram HTML (``render.py``, under 4,096 characters a message) and send it.

May import: ``telegram``, ``bot.services``, ``bot.nlp``, ``bot.sources``, ``bot.messages``,
``bot.config``, ``bot.rate_limits``, ``db``.
"""
