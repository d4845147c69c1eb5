"""FSM states shared by more than one router."""

from aiogram.fsm.state import State, StatesGroup


class Onboarding(StatesGroup):
    language = State()
    audience = State()
