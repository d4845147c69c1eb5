"""The ❓ Questions screens: topics, a topic's questions, one answer, search results. Each
answer ends with its source like every fact the bot states, and every screen offers a person
("✉️ Ask a person") and a way back."""

from __future__ import annotations

from html import escape

from aiogram.types import InlineKeyboardButton
from aiogram.utils.i18n import gettext as _

from bot.content.facts import sources_line
from bot.faq.model import (
    KEY_PREFIX,
    TOPICS,
    in_language,
    related_of,
    topic_label,
    topic_of,
)
from bot.telegram.callbacks import (
    AskCb,
    ChecklistCb,
    EligibilityCb,
    EpsCb,
    FaqCb,
    MenuCb,
    StaffCb,
    TrackerCb,
)
from bot.telegram.keyboards import back_to_menu_button
from bot.telegram.screens import Screen, button, join, keyboard
from storage.content import Fact

PAGE_SIZE = 7
NUMBERS_PER_ROW = 4
STAFF_EDIT_PREFIX = "faqed."  # + the entry's id, in StaffCb.action (handlers/staff/faq.py)


def entry_id(fact: Fact) -> str:
    return fact.key.removeprefix(KEY_PREFIX)


def entry_title(fact: Fact) -> str:
    """The question in the reader's language, as plain text (a button, a staff chat line)."""
    return in_language(fact.value, "q")


def entry_text(fact: Fact) -> str:
    """Question, answer and source in the reader's language (HTML)."""
    return join(
        f"❓ <b>{escape(entry_title(fact))}</b>",
        escape(in_language(fact.value, "a")),
        sources_line([fact]),
    )


def ask_button() -> InlineKeyboardButton:
    return button(_("✉️ Ask a person"), AskCb(action="start"))


def _related_button(fact: Fact) -> InlineKeyboardButton | None:
    """The bot's own section the answer points to: live dates and status live there, not in
    the answer, so they are never stale in two places."""
    related = related_of(fact)
    targets = {
        "tracker": (_("📍 Kazakhstan's progress"), TrackerCb(action="show")),
        "eps_guide": (_("🪜 Steps to a job"), EpsCb(screen="steps")),
        "selfcheck": (_("✅ Am I eligible? Self-check"), EligibilityCb(action="start")),
        "departure": (_("🛫 Voluntary-departure guide"), MenuCb(section="departure")),
        "checklist": (_("✅ My checklist"), ChecklistCb(action="show")),
        "contacts": (_("☎️ Contacts"), MenuCb(section="contacts")),
    }
    if related not in targets:
        return None
    label, data = targets[related]
    return button(label, data)


def topics_screen() -> Screen:
    text = join(
        _("<b>❓ Questions</b>"),
        _(
            "Type your question in your own words, in any language, and I will look for the "
            "answer. Or choose a topic:"
        ),
    )
    rows = [[button(str(t.label), FaqCb(action="topic", topic=t.key))] for t in TOPICS]
    rows.append([ask_button()])
    rows.append([back_to_menu_button()])
    return Screen(text, keyboard(*rows))


def topic_screen(topic: str, entries: list[Fact], page: int) -> Screen:
    pages = max(1, -(-len(entries) // PAGE_SIZE))
    page = min(page, pages - 1)
    shown = entries[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    first = page * PAGE_SIZE + 1
    lines = [
        f"{number}. {escape(entry_title(fact))}" for number, fact in enumerate(shown, start=first)
    ]
    head = f"<b>{escape(topic_label(topic))}</b>"
    if pages > 1:
        head += " " + _("(page {page} of {pages})").format(page=page + 1, pages=pages)
    text = join(head, "\n".join(lines) or _("No questions here yet."), _("Choose a number:"))
    numbers = [
        button(str(number), FaqCb(action="entry", entry=entry_id(fact)))
        for number, fact in enumerate(shown, start=first)
    ]
    rows = [numbers[i : i + NUMBERS_PER_ROW] for i in range(0, len(numbers), NUMBERS_PER_ROW)]
    paging = []
    if page > 0:
        paging.append(button(_("◀️ Back a page"), FaqCb(action="topic", topic=topic, page=page - 1)))
    if page + 1 < pages:
        paging.append(button(_("More ▶️"), FaqCb(action="topic", topic=topic, page=page + 1)))
    if paging:
        rows.append(paging)
    rows.append([button(_("⬅️ All topics"), FaqCb(action="topics"))])
    rows.append([back_to_menu_button()])
    return Screen(text, keyboard(*rows))


def entry_screen(fact: Fact, *, staff: bool = False) -> Screen:
    rows = []
    related = _related_button(fact)
    if related is not None:
        rows.append([related])
    rows.append([ask_button()])
    topic = topic_of(fact)
    rows.append([button(_("⬅️ {topic}").format(topic=topic_label(topic)), _topic_cb(topic))])
    if staff:
        edit = StaffCb(action=STAFF_EDIT_PREFIX + entry_id(fact))
        rows.append([button(_("✏️ Edit this answer (staff)"), edit)])
    rows.append([back_to_menu_button()])
    return Screen(entry_text(fact), keyboard(*rows))


def _topic_cb(topic: str) -> FaqCb:
    return FaqCb(action="topic", topic=topic) if topic else FaqCb(action="topics")


def results_screen(found: list[Fact]) -> Screen:
    """What a message outside a dialogue gets: the best matches as buttons, then a person."""
    if not found:
        text = join(
            _("I could not find an answer to that among my questions."),
            _("Try other words, choose a topic, or ask a person: the team answers in person."),
        )
        rows = [
            [ask_button()],
            [button(_("❓ Browse questions by topic"), FaqCb(action="topics"))],
            [back_to_menu_button()],
        ]
        return Screen(text, keyboard(*rows))
    lines = [f"{n}. {escape(entry_title(fact))}" for n, fact in enumerate(found, start=1)]
    text = join(_("🔎 <b>This may answer your question:</b>"), "\n".join(lines))
    rows = [
        [button(f"{n}. {entry_title(fact)}", FaqCb(action="entry", entry=entry_id(fact)))]
        for n, fact in enumerate(found, start=1)
    ]
    rows.append([button(_("🙋 None of these: ask a person"), AskCb(action="start"))])
    rows.append([back_to_menu_button()])
    return Screen(text, keyboard(*rows))
