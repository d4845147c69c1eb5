"""Set translations in the catalogs from a JSON file: {"kk": {"msgid": "msgstr" | [forms]}, ...}.

Used when a change adds or rewords strings: write the translations next to the change, apply
them with `python scripts/po_set.py FILE`, then `scripts/i18n.sh update` keeps the format.
Clears the fuzzy flag of each entry it sets; an msgid not in the catalog is an error.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

LOCALES = Path(__file__).resolve().parent.parent / "locales"


def _first(msgid: str | tuple[str, ...]) -> str:
    """The singular of a plural entry, the msgid itself otherwise."""
    return msgid if isinstance(msgid, str) else msgid[0]


def main(path: str) -> int:
    wanted = json.loads(Path(path).read_text(encoding="utf-8"))
    for locale, entries in wanted.items():
        po = LOCALES / locale / "LC_MESSAGES" / "messages.po"
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=locale)
        for msgid, msgstr in entries.items():
            message = next((m for m in catalog if m.id and _first(m.id) == msgid), None)
            if message is None:
                print(f"{locale}: no such msgid: {msgid!r}", file=sys.stderr)
                return 2
            message.string = tuple(msgstr) if isinstance(msgstr, list) else msgstr
            message.flags.discard("fuzzy")
            message.previous_id = []
        with po.open("wb") as handle:
            write_po(handle, catalog, width=0, ignore_obsolete=True, include_previous=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
