#!/usr/bin/env bash
# Catalog workflow, one command each:
#   scripts/i18n.sh extract        source strings -> locales/messages.pot
#   scripts/i18n.sh update         messages.pot -> every locales/*/LC_MESSAGES/messages.po
#   scripts/i18n.sh compile        .po -> .mo (optional: the bot compiles .po in memory at start-up)
#   scripts/i18n.sh init LANG      start a new language (then add it to SUPPORTED_LOCALES)
set -euo pipefail
cd "$(dirname "$0")/.."
keywords=(-k _ -k __ -k gettext -k lazy_gettext -k ngettext:1,2 -k lazy_ngettext:1,2)
case "${1:-}" in
  extract)
    pybabel extract -F babel.cfg "${keywords[@]}" --no-wrap --sort-by-file --omit-header \
      --project=jolserik -o locales/messages.pot . ;;
  update)
    pybabel update -i locales/messages.pot -d locales -D messages --no-wrap --ignore-obsolete ;;
  compile)
    pybabel compile -d locales -D messages --statistics ;;
  init)
    [ -n "${2:-}" ] || { echo "usage: $0 init LANG" >&2; exit 2; }
    pybabel init -i locales/messages.pot -d locales -D messages -l "$2" --no-wrap ;;
  *)
    sed -n '2,7p' "$0"; exit 2 ;;
esac
