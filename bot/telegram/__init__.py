"""The Telegram edge's wiring: the python-telegram-bot application built from its parts (update
journal, per-chat ordering, gates, token filter, routes) and the local chat that drives the
same application from a terminal.

May import: ``telegram``, ``handlers``, ``bot.services``, ``bot.config``, ``bot.rate_limits``,
``bot.messages``, ``db``.
"""
