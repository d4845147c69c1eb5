"""The gettext catalogs (messages.pot, <locale>/LC_MESSAGES/messages.po), shipped with the bot as
package data so a regular install (a wheel, a container, pipx) finds them; see bot/i18n.py."""
