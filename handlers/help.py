"""/start, /help, and what to say to messages the bot can't use."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType

from bot.messages import excerpt
from handlers.bot_data import Context
from handlers.render import Block, render, text_reply
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
        "/summary [#ID] [N | Nw] – summary of story #ID (or the one you reply to, or the "
        "latest), N sentences or N words\n"
        "/ask question – ask about the stories here\n"
        "/facts [ID] – who, what, when and where of a story\n"
        "/search words – find stories\n"
        "/list [page] – your stories, numbered\n"
        "/forget [all] – delete a story, or all of them\n"
        "/digest – a digest of recent stories; /digest daily 08:00 Europe/Berlin schedules one\n"
        "/follow URL, /unfollow, /feeds – follow news feeds for digests\n"
        "/settings – default summary length and time zone"
    ),
]

COMMANDS = [
    ("summary", "Summarize a story: /summary [#ID] [N | Nw]"),
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


async def help_command(update: Update, context: Context) -> None:
    """/start and /help: what to send, and the commands, with examples."""
    await send(update, context, render(HELP))


NO_TEXT = (
    "I keep stories as text, and this message has none I can read. Paste the article, "
    "send a link, or send it as a .txt, .md, .html or .json file."
)


async def unknown_command(update: Update, context: Context) -> None:
    """An unknown command gets a pointer to /help (in groups only when it names this bot)."""
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None or not message.text:
        return
    command = message.text.split()[0]
    name, _, addressee = command.partition("@")
    ours = addressee.lower() == (context.bot.username or "").lower()
    if (addressee and not ours) or (chat.type != ChatType.PRIVATE and not ours):
        return  # another bot's command; in a group, a bare /command may be one too
    await send(
        update, context, text_reply(f"I don't know {excerpt(name)}. /help lists what I can do.")
    )


async def unusable_message(update: Update, context: Context) -> None:
    """A photo, sticker, voice message or the like without text: say what the bot can take."""
    chat = update.effective_chat
    if chat is not None and chat.type == ChatType.PRIVATE:
        await send(update, context, text_reply(NO_TEXT))
