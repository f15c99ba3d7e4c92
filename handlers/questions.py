"""Questions: plain questions in private chats, addressed questions in groups, and /ask."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType

from bot.messages import ASK_USAGE
from handlers.bot_data import Context
from handlers.mentions import is_addressed_to_bot, message_text
from handlers.render import answer_reply, text_reply
from handlers.replied_story import replied_story_id
from handlers.replying import in_worker, send, service


async def answer_question(update: Update, context: Context, question: str) -> None:
    """Answer from this chat's stories; a reply to a story covers that story only."""
    chat = update.effective_chat
    if chat is None:
        return
    story_id = await replied_story_id(update, context)
    result = await in_worker(update, context, service(context).answer, chat.id, question, story_id)
    await send(update, context, answer_reply(result))


async def ask_command(update: Update, context: Context) -> None:
    """/ask question: answer a question about the stories kept here."""
    question = " ".join(context.args or []).strip()
    if not question:
        await send(update, context, text_reply(ASK_USAGE))
        return
    await answer_question(update, context, question)


async def typed_question(update: Update, context: Context) -> None:
    """A text that reads as a question (routed here by ``mentions.TYPED_QUESTION``): answered
    in a private chat, or in a group when it is for the bot; never kept as a story."""
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None:
        return
    if chat.type == ChatType.PRIVATE or is_addressed_to_bot(message, context.bot):
        await answer_question(update, context, message_text(message, context.bot))
