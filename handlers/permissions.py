"""Who may change a chat's settings, schedules and stories: its admins."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType

from handlers.bot_data import Context


async def is_admin(update: Update, context: Context) -> bool:
    """In a private chat the user is its admin; in groups and channels, ask Telegram."""
    chat = update.effective_chat
    user = update.effective_user
    if chat is None:
        return False
    if chat.type == ChatType.PRIVATE:
        return True
    if user is None:
        return False
    member = await context.bot.get_chat_member(chat.id, user.id)
    return member.status in (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR)
