"""The sources: fetching a link safely, a web page's article text, and the stories in a file.

May import: ``bot.messages`` and the standard library, trafilatura, lxml. Never ``telegram``, ``handlers``, the
services or the store.
"""
