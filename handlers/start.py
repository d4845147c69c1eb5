"""/start and first-time onboarding: language, then who the user is, then the main menu."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import CommandStart, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.content.profile import is_onboarded
from bot.departure.service import DeparturePlans
from bot.privacy.personal import PersonalData
from bot.telegram.callbacks import AudienceCb
from bot.telegram.dialogue import leave_dialogue, out_of_date
from bot.telegram.filters import NotACommand
from bot.telegram.keyboards import audience_keyboard, language_keyboard, main_menu_keyboard
from bot.telegram.screens import Screen, show
from handlers import sharing
from handlers.privacy import my_data
from handlers.states import Onboarding
from storage.users import Audience, UserRecord, UserRepository


def greeting() -> str:
    return _(
        "Hello! I am <b>Jolserik</b>, your travel companion. I help citizens of Kazakhstan "
        "who work in South Korea, and their families, find reliable information and keep "
        "track of what matters.\n\nPlease choose your language:"
    )


def audience_question() -> str:
    return _("Thank you! One more question, so I show what matters to you. Who are you?")


def all_set_text() -> str:
    return _(
        "All set! Here is the main menu; /menu brings it back at any time.\n\n"
        "I keep only your language, time zone and this answer; /privacy says more. "
        "You can see or delete them with /mydata."
    )


def language_screen(i18n: I18n) -> Screen:
    return Screen(greeting(), language_keyboard(i18n.available_locales, with_back=False))


def audience_screen() -> Screen:
    return Screen(audience_question(), audience_keyboard())


async def start(message: Message, state: FSMContext, user_record: UserRecord, i18n: I18n) -> None:
    left = await leave_dialogue(state)
    if is_onboarded(user_record):
        welcome = _("Welcome back! Choose a section:")
        await show(message, Screen(welcome, main_menu_keyboard(user_record)).above(left))
        return
    await begin_onboarding(message, state, user_record, i18n)


async def begin_onboarding(
    message: Message, state: FSMContext, user_record: UserRecord, i18n: I18n
) -> None:
    """The first question not answered yet: the language, then who the user is. A brand-new
    user who writes anything at all lands here, not on "I did not understand"."""
    if user_record.language is None:
        await state.set_state(Onboarding.language)
        await show(message, language_screen(i18n))
    else:
        await ask_audience(message, state)


async def ask_audience(event: Message | CallbackQuery, state: FSMContext) -> None:
    await state.set_state(Onboarding.audience)
    await show(event, audience_screen())


async def audience_chosen(
    query: CallbackQuery,
    callback_data: AudienceCb,
    state: FSMContext,
    user_record: UserRecord,
    users: UserRepository,
    departure: DeparturePlans,
    personal_data: PersonalData,
) -> None:
    try:
        audience = Audience(callback_data.value)
    except ValueError:
        await out_of_date(query)
        return
    was_onboarding = not is_onboarded(user_record)
    await users.set_audience(user_record.id, audience)
    record = await users.get(user_record.id) or user_record
    if record.time_zone is None and record.audience != user_record.audience:
        await departure.resync(record)  # the automatic zone follows "who I am"
    await state.clear()
    if was_onboarding:
        await show(query, Screen(all_set_text(), main_menu_keyboard(record)))
    else:
        await show(query, (await my_data(record, personal_data, state)).above(_("Saved.")))


async def language_expected(message: Message, i18n: I18n) -> None:
    markup = language_keyboard(i18n.available_locales, with_back=False)
    await show(message, Screen(_("Please choose a language with the buttons below."), markup))


async def audience_expected(message: Message) -> None:
    text = _("Please choose one of the buttons below, so I know who you are.")
    await show(message, Screen(text, audience_keyboard()))


def register(router: Router) -> None:
    """Add this feature's handlers to `router`, in dispatch order."""
    sharing.register_deep_link(router)  # /start plan_<code>, before the plain /start
    router.message.register(start, CommandStart())
    router.callback_query.register(audience_chosen, AudienceCb.filter())
    router.message.register(language_expected, StateFilter(Onboarding.language), NotACommand())
    router.message.register(audience_expected, StateFilter(Onboarding.audience), NotACommand())
