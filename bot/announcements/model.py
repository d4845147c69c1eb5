"""Announcements as data: what staff compose, whom it goes to, and where a sending stands.

Shared by the staff dialogue (handlers/staff/announce.py), the delivery engine
(bot/announcements/delivery.py) and storage (storage/announcements.py). Pure values, JSON-able,
so a draft survives in the dialogue's state and an announcement in SQLite.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

TEXT_LIMIT = 4096  # Telegram's limit for a message text
CAPTION_LIMIT = 1024  # and for a media caption


class ContentKind(StrEnum):
    TEXT = "text"
    PHOTO = "photo"
    DOCUMENT = "document"
    VIDEO = "video"


@dataclass(frozen=True, slots=True)
class Version:
    """One language's announcement, exactly as staff sent it: the text (or caption) with its
    Telegram entities (bold, links, ...), never re-parsed as HTML, and the media's file_id."""

    locale: str
    kind: ContentKind
    text: str = ""
    entities: tuple[dict[str, Any], ...] = ()  # MessageEntity.model_dump(exclude_none=True)
    file_id: str | None = None

    @property
    def limit(self) -> int:
        return TEXT_LIMIT if self.kind is ContentKind.TEXT else CAPTION_LIMIT

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["kind"] = self.kind.value
        data["entities"] = list(self.entities)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Version:
        return cls(
            locale=str(data["locale"]),
            kind=ContentKind(data["kind"]),
            text=str(data.get("text") or ""),
            entities=tuple(data.get("entities") or ()),
            file_id=data.get("file_id"),
        )


@dataclass(frozen=True, slots=True)
class Audience:
    """Who receives it. An empty tuple means "no filter" on that field; the filters combine
    with AND. Blocked users never receive; muted users only when the announcement is urgent."""

    languages: tuple[str, ...] = ()  # e.g. ("kk", "ru")
    audiences: tuple[str, ...] = ()  # storage.users.Audience values: worker / family / other
    tracker_subscribers: bool = False  # only subscribers of the accession tracker's news
    flight_within_days: int | None = None  # only users whose departure flight is 0..N days ahead

    def open_to(self, language: str, audience: str | None) -> bool:
        """Whether someone with this language and "who are you" answer is meant to read it,
        judged on the profile alone: a notice for everyone (or for their language or group)
        stays readable for people who joined after it went out. Subscriber and flight filters
        depend on more than the profile, so those announcements stay with their recipients."""
        if self.tracker_subscribers or self.flight_within_days is not None:
            return False
        if self.languages and language not in self.languages:
            return False
        return not self.audiences or audience in self.audiences

    def to_json(self) -> dict[str, Any]:
        return {
            "languages": list(self.languages),
            "audiences": list(self.audiences),
            "tracker_subscribers": self.tracker_subscribers,
            "flight_within_days": self.flight_within_days,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Audience:
        days = data.get("flight_within_days")
        return cls(
            languages=tuple(data.get("languages") or ()),
            audiences=tuple(data.get("audiences") or ()),
            tracker_subscribers=bool(data.get("tracker_subscribers")),
            flight_within_days=int(days) if days is not None else None,
        )


@dataclass(frozen=True, slots=True)
class Draft:
    """What the staff dialogue hands to the engine: versions per language (at least one), the
    version users of a skipped language get, the audience, urgency and an optional start time
    (a UTC timestamp; None = now)."""

    versions: dict[str, Version]
    fallback_locale: str
    audience: Audience = field(default_factory=Audience)
    urgent: bool = False
    scheduled_at: int | None = None

    def version_for(self, locale: str | None) -> Version:
        return self.versions.get(locale or "") or self.versions[self.fallback_locale]


class Status(StrEnum):
    SCHEDULED = "scheduled"  # waits for scheduled_at; can be edited or cancelled
    RUNNING = "running"
    PAUSED = "paused"
    DONE = "done"
    CANCELLED = "cancelled"


class RecipientStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed; a crash here closes it as failed, never re-sent
    SENT = "sent"
    BLOCKED = "blocked"  # 403 / chat not found: the user is marked blocked
    FAILED = "failed"
    CANCELLED = "cancelled"  # the announcement was cancelled before this one was sent


@dataclass(frozen=True, slots=True)
class Counts:
    total: int = 0
    sent: int = 0
    blocked: int = 0
    failed: int = 0
    cancelled: int = 0

    @property
    def remaining(self) -> int:
        return self.total - self.sent - self.blocked - self.failed - self.cancelled


@dataclass(frozen=True, slots=True)
class Announcement:
    id: int
    created_by: int
    created_at: int
    status: Status
    draft: Draft
    started_at: int | None = None
    finished_at: int | None = None
    counts: Counts = field(default_factory=Counts)
    # The staff message that shows progress, edited in place (chat id, message id).
    progress_chat_id: int | None = None
    progress_message_id: int | None = None
