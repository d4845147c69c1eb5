"""Reading the Bot API's answers: skip the keyboard Telegram echoes back.

Every `sendMessage` and `editMessageText` with buttons is answered with the whole message,
keyboard included, and aiogram builds a pydantic model for the keyboard, each row and each
button (a menu: about 20 objects) although the bot just built them itself and never reads them
from the answer. Dropping `reply_markup` from a message answer before aiogram validates it
saves that work on most calls the bot makes. Only the top-level answer of a method is touched:
updates (`getUpdates`) keep the keyboard of the message a button was pressed on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

JsonLoads = Callable[[Any], Any]


def without_echoed_keyboards(loads: JsonLoads) -> JsonLoads:
    """Wrap a session's `json_loads` so a message answer arrives without its keyboard."""

    def lean_loads(data: Any) -> Any:
        decoded = loads(data)
        if type(decoded) is dict:
            result = decoded.get("result")
            if type(result) is dict and "message_id" in result:
                result.pop("reply_markup", None)
        return decoded

    lean_loads.__qualname__ = lean_loads.__name__ = f"lean_{getattr(loads, '__name__', 'loads')}"
    return lean_loads
