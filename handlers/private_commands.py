"""Commands in a private chat are for this bot, whatever @name follows them.

python-telegram-bot's CommandHandler takes ``/summary@name`` only when ``name`` is this bot's
username, which is right in a group (another bot may be meant). In a private chat no other bot
can read the message, so ``/summary@storybot 2`` sent to a bot with another username (the local
chat's, a test bot's) would otherwise be ignored without a word.
"""

from __future__ import annotations

from telegram import MessageEntity, Update
from telegram.constants import ChatType
from telegram.ext import CommandHandler


class PrivateChatCommandHandler(CommandHandler):
    """A CommandHandler that, in private chats, also takes the command addressed to any name."""

    def check_update(self, update: object):  # the base class's return type
        result = super().check_update(update)
        if result is not None or not isinstance(update, Update):
            return result
        message = update.effective_message
        chat = update.effective_chat
        if message is None or chat is None or chat.type != ChatType.PRIVATE or not message.text:
            return None
        entities = message.entities
        if not entities or entities[0].type != MessageEntity.BOT_COMMAND or entities[0].offset:
            return None
        name, at, _ = message.text[1 : entities[0].length].partition("@")
        if not at or name.lower() not in self.commands:
            return None
        filter_result = self.filters.check_update(update)
        return (message.text.split()[1:], filter_result) if filter_result else False
