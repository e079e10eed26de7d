"""What every write shares: the board's row lock and the checks on names and text."""

from __future__ import annotations

import re

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from board.models import DESCRIPTION_MAX, TITLE_MAX, Board, Card, Pipeline

User = AbstractBaseUser


class Gone(ValidationError):
    """What the write is about was deleted meanwhile (found missing under the board's lock).

    Nothing was written (the transaction rolls back); views answer 404 with the message.
    """


def lock_board(board: Board) -> Board:
    """Take the board's row lock, bump its version, and return the board as its row now reads.

    Every write to a board starts here, inside its transaction: the UPDATE holds the row lock
    until commit (PostgreSQL), so writes to one board run one at a time (SQLite's IMMEDIATE
    transactions serialise all writers anyway), and each write gets the next version.
    """
    if not Board.objects.filter(pk=board.pk).update(version=F("version") + 1):
        raise ValidationError(_("This board no longer exists."))
    return Board.objects.get(pk=board.pk)


def current_card(locked: Board, card: Card) -> Card:
    """The card's row as it is now, under the board's lock (it may have gone meanwhile)."""
    current = Card.objects.select_related("pipeline").filter(pk=card.pk, board=locked).first()
    if current is None:
        raise ValidationError(_("This card no longer exists."))
    return current


def current_pipeline(locked: Board, pipeline: Pipeline) -> Pipeline:
    """The pipeline's row as it is now, under the board's lock (it may have gone meanwhile)."""
    current = Pipeline.objects.filter(pk=pipeline.pk, board=locked).first()
    if current is None:
        raise ValidationError(_("That pipeline no longer exists."))
    return current


def acting(actor: User | None) -> User | None:
    """The user to record as having made a change (nobody for anonymous or system writes)."""
    return actor if actor is not None and actor.is_authenticated else None


# Characters no name or title may hold: controls (a name is one line) and the bidi
# overrides and isolates that make a name display as something it is not.
_UNSHOWABLE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


# What a refusal calls each checked field (services pass one of these as `field`).
NAME = gettext_lazy("Name")
BOARD_NAME = gettext_lazy("Board name")
PIPELINE_NAME = gettext_lazy("Pipeline name")
TITLE = gettext_lazy("Title")


def clean_title(value: str | None, *, field: str = NAME) -> str:
    """Strip a name or title and refuse it empty, over-long, or holding control or bidi-override characters."""
    text = (value or "").strip()
    if not text:
        raise ValidationError(_("%(field)s cannot be empty.") % {"field": field})
    if _UNSHOWABLE.search(text):
        raise ValidationError(_("%(field)s cannot hold control or text-direction characters.") % {"field": field})
    if len(text) > TITLE_MAX:
        raise ValidationError(
            _("%(field)s is too long (%(length)d characters; at most %(max)d).")
            % {"field": field, "length": len(text), "max": TITLE_MAX}
        )
    return text


def clean_description(value: str | None) -> str:
    text = (value or "").replace("\r\n", "\n").strip()
    if len(text) > DESCRIPTION_MAX:
        raise ValidationError(
            _("Description is too long (%(length)d characters; at most %(max)d).")
            % {"length": len(text), "max": DESCRIPTION_MAX}
        )
    return text
