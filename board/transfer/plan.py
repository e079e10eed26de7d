"""What a file becomes before anything is written: pipelines, cards, comments, and what was left out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

FORMAT = 1  # the version of our own export format ("format" in the file)


class ImportRefused(ValidationError):
    """The file cannot be imported as it is; the message names the line or field. Nothing was written."""


@dataclass
class CommentPlan:
    author: str
    body: str
    created: datetime | None = None


@dataclass
class CardPlan:
    title: str
    description: str = ""
    created: datetime | None = None
    comments: list[CommentPlan] = field(default_factory=list)


@dataclass
class PipelinePlan:
    name: str
    cards: list[CardPlan] = field(default_factory=list)


@dataclass
class BoardPlan:
    name: str
    source: str  # said in the activity line: "Trello", "LiveBoard JSON", "CSV"
    pipelines: list[PipelinePlan] = field(default_factory=list)
    members: list[tuple[str, str]] = field(default_factory=list)  # (username, role) of our own format
    notes: list[str] = field(default_factory=list)  # what was left out, for the import summary

    @property
    def card_count(self) -> int:
        return sum(len(p.cards) for p in self.pipelines)


@dataclass
class CardRow:
    """One CSV row: a card for an existing pipeline of the board (named)."""

    line: int
    pipeline: str
    title: str
    description: str = ""


def check_size(size: int) -> None:
    limit = settings.LIVEBOARD_IMPORT_MAX_BYTES
    if size > limit:
        raise ImportRefused(
            _("The file is too large: %(size)s bytes (at most %(limit)s).") % {"size": size, "limit": limit}
        )


def check_cards(count: int) -> None:
    limit = settings.LIVEBOARD_IMPORT_MAX_CARDS
    if count > limit:
        raise ImportRefused(
            _("The file holds too many cards: %(n)s (at most %(limit)s).") % {"n": count, "limit": limit}
        )


def decode(data: bytes) -> str:
    """UTF-8 text, with or without a byte-order mark; else a refusal naming the line."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportRefused(_("Line %(line)s: the file is not UTF-8 text.") % {"line": line}) from None


def parse_time(value: object, where: str) -> datetime | None:
    """An ISO 8601 time (Trello's and ours), or None when absent."""
    if value in (None, ""):
        return None
    from django.utils import timezone
    from django.utils.dateparse import parse_datetime

    try:
        parsed = parse_datetime(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise ImportRefused(_("%(field)s: not a date and time: %(value)r") % {"field": where, "value": value})
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, timezone.utc)


def checked(clean, value: object, where: str, **kwargs) -> str:
    """A service's own check of a name or text (board.services.common), its message prefixed with where it was."""
    if value is not None and not isinstance(value, str):
        raise ImportRefused(_("%(field)s: expected text.") % {"field": where})
    try:
        return clean(value, **kwargs)
    except ValidationError as exc:
        raise ImportRefused(f"{where}: {' '.join(exc.messages)}") from None


def load_json(data: bytes) -> object:
    import json

    text = decode(data)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportRefused(
            _("Invalid JSON at line %(line)s, column %(col)s: %(msg)s")
            % {"line": exc.lineno, "col": exc.colno, "msg": exc.msg}
        ) from None
    except RecursionError:
        raise ImportRefused(_("Invalid JSON: nested too deeply.")) from None


def expect(value: object, kind: type, where: str):
    if not isinstance(value, kind):
        name = {list: _("a list"), dict: _("an object"), str: _("text")}.get(kind, kind.__name__)
        raise ImportRefused(_("%(field)s: expected %(kind)s.") % {"field": where, "kind": name})
    return value
