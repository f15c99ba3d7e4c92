"""The language work: cleaning pasted and fetched text, sentences and words, spaCy, summaries,
dates, near duplicates, and (in ``answers``) questions and facts. Plain text in, data out.

May import: ``db`` (the chat's stored stories, sentences and entities), ``bot.messages``
(the reasons a summary is refused) and the standard
library, numpy, sumy, syntok, spaCy, dateparser. Never ``telegram``, ``handlers`` or the
services.
"""
