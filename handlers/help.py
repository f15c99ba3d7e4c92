"""/start and /help."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.replies import Block, render
from handlers.replying import send

HELP = [
    Block("storybot keeps the news stories you send it and makes them useful.", "b"),
    Block(
        "Send me an article: paste its text, forward a channel post, send a link, or a "
        ".txt, .md, .html or .json file. I clean off the page junk, keep it for this chat "
        "and reply with a short summary."
    ),
    Block("Then ask about your stories in plain words, for example:"),
    Block("Who signed the joint statement?\nWhen did India test the missile?", "i"),
    Block(
        "/summary [N | Nw] – summary of the latest story (or the one you reply to), "
        "N sentences or N words\n"
        "/ask question – ask about the stories here\n"
        "/facts – who, what, when and where of a story\n"
        "/search words – find stories\n"
        "/list – your stories\n"
        "/forget [all] – delete a story, or all of them\n"
        "/digest – a digest of recent stories; /digest daily 08:00 Europe/Berlin schedules one\n"
        "/follow URL, /unfollow, /feeds – follow news feeds for digests\n"
        "/settings – default summary length and time zone"
    ),
]

COMMANDS = [
    ("summary", "Summarize the latest story: /summary [N | Nw]"),
    ("ask", "Ask a question about the stories here"),
    ("facts", "Who, what, when, where of a story"),
    ("search", "Find stories by words"),
    ("list", "List the stories kept here"),
    ("forget", "Delete a story, or all of them"),
    ("digest", "A digest of recent stories"),
    ("follow", "Follow an RSS or Atom feed for digests"),
    ("feeds", "The feeds this chat follows"),
    ("settings", "Summary length and time zone"),
    ("help", "How to use storybot"),
]


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greet the user and explain what to send."""
    await send(update, context, render(HELP))


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Explain the commands, with examples."""
    await send(update, context, render(HELP))
