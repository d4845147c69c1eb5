"""Progress and reports for staff: the one message that shows an announcement going out, edited
in place as the engine reports (at most every few seconds), and a summary to the staff chat
(`STAFF_CHAT_ID`) when it ends. Both go through the one sending path."""

from __future__ import annotations

import logging

from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.announcements.model import Announcement, Status
from bot.announcements.screens import counts_line, detail_screen, status_name
from bot.content.profile import effective_time_zone
from bot.reminders.engine import ReminderEngine
from storage.users import UserRepository

log = logging.getLogger(__name__)


class ProgressReporter:
    """`engine.on_progress = reporter.report`: renders in the author's language and zone."""

    def __init__(
        self,
        users: UserRepository,
        reminders: ReminderEngine,
        i18n: I18n,
        *,
        staff_chat_id: int | None,
    ) -> None:
        self._users = users
        self._reminders = reminders
        self._i18n = i18n
        self._staff_chat_id = staff_chat_id

    async def report(self, item: Announcement) -> None:
        author = await self._users.get(item.created_by)
        locale = (author.language if author else None) or self._i18n.default_locale
        zone = effective_time_zone(author) if author else "Asia/Almaty"
        sender = self._reminders.sender
        with self._i18n.context(), self._i18n.use_locale(locale):
            if item.progress_chat_id is not None and item.progress_message_id is not None:
                screen = detail_screen(item, zone, sender.per_second)
                await sender.edit_text(
                    item.progress_chat_id, item.progress_message_id, screen.text, screen.markup
                )
        if item.status in (Status.DONE, Status.CANCELLED) and self._staff_chat_id is not None:
            with self._i18n.context(), self._i18n.use_locale(self._i18n.default_locale):
                text = "\n".join(
                    [
                        _("📢 Announcement #{id}: {status}").format(
                            id=item.id, status=status_name(item.status)
                        ),
                        counts_line(item),
                    ]
                )
            await sender.send_message(self._staff_chat_id, text)
