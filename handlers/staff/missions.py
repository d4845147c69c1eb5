"""/missions: staff fill in the phones and addresses of Kazakhstan's embassy in Seoul and
consulate general in Busan once they have checked them (nobody has yet: until a staff member
confirms them, ☎️ Contacts and the emergency card say they are not confirmed and where to look).

An editor of the shared kind: embassy phone → address → consulate phone → address (each optional)
→ how sure the source is → source → preview of the contacts block as users will see it →
confirm."""

from __future__ import annotations

from datetime import date
from html import escape
from typing import Any

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __

from bot.departure.plan import korea_today
from bot.help.screens import MISSIONS, honorary_consul_line, mission_name, missions_block
from bot.telegram.screens import join
from handlers.staff.editor import EditorContext, FactEditor
from handlers.staff.fields import (
    Draft,
    SourceField,
    TextField,
    confidence_field,
)
from storage.content import Fact, FactVersion

PHONE_LIMIT = 40
ADDRESS_LIMIT = 200


def _current(name: str) -> Any:
    return lambda fact, language: str(fact.value.get(name) or "")


def _field(mission: str, part: str) -> TextField:
    name = f"{mission}_{part}"
    if part == "phone":
        prompt = _phone_prompt(mission)
        limit = PHONE_LIMIT
    else:
        prompt = _address_prompt(mission)
        limit = ADDRESS_LIMIT
    return TextField(
        name,
        limit=limit,
        prompt=prompt,
        current=_current(name),
        what=lambda language, part=part, mission=mission: _what(mission, part),
        optional=True,
    )


def _phone_prompt(mission: str) -> Any:
    return lambda language, limit: _(
        "Phone of the {mission}, as checked on gov.kz (e.g. +82 2 000 0000)."
    ).format(mission=mission_name(mission))


def _address_prompt(mission: str) -> Any:
    return lambda language, limit: _("Address of the {mission} (up to {limit} characters).").format(
        mission=mission_name(mission), limit=limit
    )


def _what(mission: str, part: str) -> str:
    if part == "phone":
        return _("the phone of the {mission}").format(mission=mission_name(mission))
    return _("the address of the {mission}").format(mission=mission_name(mission))


FIELDS = (
    *(_field(mission, part) for mission in MISSIONS for part in ("phone", "address")),
    confidence_field(),
    SourceField("source"),
)


class MissionsEditor(FactEditor):
    prefix = "miss"
    command = "missions"
    states_name = "MissionsEdit"
    fact_key = "consulate"
    name = __("Kazakhstan's missions")
    edit_label = __("✏️ Enter phones and addresses")
    confirm_label = __("✅ Confirm and publish")
    fields = FIELDS
    history_limit = 5

    def today(self, now: float) -> date:
        return korea_today(now)

    def value(self, answers: Draft, current: Fact, today: date) -> dict[str, Any]:
        value = dict(current.value)
        for mission in MISSIONS:
            for part in ("phone", "address"):
                typed = answers.get(f"{mission}_{part}", "")
                if typed:
                    value[f"{mission}_{part}"] = typed
                else:
                    value.pop(f"{mission}_{part}", None)
        return value

    async def _block(self, ctx: EditorContext, consulate: Fact) -> str:
        honorary = await ctx.content.find("honorary_consul")
        lines = [missions_block(consulate), honorary_consul_line(honorary)]
        return "\n".join(line for line in lines if line)

    async def panel_text(self, ctx: EditorContext) -> str:
        consulate = await ctx.content.get(self.fact_key)
        return join(_("Users see this in ☎️ Contacts now:"), await self._block(ctx, consulate))

    async def preview_text(self, ctx: EditorContext, draft: Fact) -> str:
        return join(
            _("<b>Preview</b>: users will see this (each in their own language):"),
            "──────────\n" + await self._block(ctx, draft) + "\n──────────",
            _("Publish this?"),
        )

    async def published(self, ctx: EditorContext, before: Fact, saved: Fact) -> str:
        return join(
            _("✅ Published. ☎️ Contacts and the emergency card now show:"),
            await self._block(ctx, saved),
        )

    def history_lines(self, version: FactVersion) -> list[str]:
        lines = []
        for mission in MISSIONS:
            parts = [version.value.get(f"{mission}_{part}") for part in ("phone", "address")]
            known = ", ".join(escape(str(part)) for part in parts if part) or "—"
            lines.append(f"{mission_name(mission)}: {known}")
        return lines


EDITOR = MissionsEditor()
