"""Every write to a board: typed, keyword-only, transactional, broadcast after commit.

Each service takes the board's row lock first (serialising concurrent writes to one
board on PostgreSQL; SQLite serialises writers anyway), bumps the board's version and
hands what it changed to `live.changed`, which renders the fragments under that lock
and sends them once the transaction commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from board import live
from board.models import DESCRIPTION_MAX, TITLE_MAX, Board, Card, Membership, Pipeline, Role

User = AbstractBaseUser


# --- helpers -------------------------------------------------------------------------


def clean_title(value: str | None, *, field: str = "Name") -> str:
    """Strip a name or title and refuse it empty or over-long."""
    text = (value or "").strip()
    if not text:
        raise ValidationError(f"{field} cannot be empty.")
    if len(text) > TITLE_MAX:
        raise ValidationError(f"{field} is too long ({len(text)} characters; at most {TITLE_MAX}).")
    return text


def clean_description(value: str | None) -> str:
    text = (value or "").replace("\r\n", "\n").strip()
    if len(text) > DESCRIPTION_MAX:
        raise ValidationError(f"Description is too long ({len(text)} characters; at most {DESCRIPTION_MAX}).")
    return text


def _lock(board: Board) -> Board:
    """Take the board's row lock, bump its version and return the fresh row."""
    try:
        locked = Board.objects.select_for_update().get(pk=board.pk)
    except Board.DoesNotExist:
        raise ValidationError("This board no longer exists.") from None
    locked.version += 1
    locked.save(update_fields=["version"])
    board.version = locked.version
    board.name = locked.name
    return locked


def _renumber(items: Sequence[Card] | Sequence[Pipeline]) -> list:
    """Give items positions 0..n-1 in the order given; return those whose position changed."""
    changed = []
    for index, item in enumerate(items):
        if item.position != index:
            item.position = index
            changed.append(item)
    return changed


def merge_order(current: Sequence[int], requested: Sequence[int]) -> list[int]:
    """Apply a client's (possibly stale) order to the current one.

    `requested` lists ids in their new order; ids it names that are not in `current`
    must already have been filtered out or added by the caller. Items of `current`
    missing from `requested` (added meanwhile) keep their place after the item that
    preceded them in `current`, or stay first when nothing listed preceded them.
    """
    listed = set(requested)
    followers: dict[int | None, list[int]] = {}
    anchor: int | None = None
    for item in current:
        if item in listed:
            anchor = item
        else:
            followers.setdefault(anchor, []).append(item)
    result = list(followers.get(None, []))
    for item in requested:
        result.append(item)
        result.extend(followers.get(item, []))
    return result


def parse_ids(values: Iterable[str | int], *, what: str) -> list[int]:
    """Parse a posted list of ids; refuse non-integers and duplicates."""
    ids: list[int] = []
    for value in values:
        try:
            number = int(str(value).strip())
        except ValueError:
            raise ValidationError(f"{what} id {str(value)[:20]!r} is not a number.") from None
        if number <= 0:
            raise ValidationError(f"{what} id {number} is not valid.")
        ids.append(number)
    if len(set(ids)) != len(ids):
        raise ValidationError(f"The new order names a {what.lower()} twice.")
    if len(ids) > 5000:
        raise ValidationError("The new order is too long.")
    return ids


# --- boards ----------------------------------------------------------------------------


@transaction.atomic
def board_create(*, owner: User, name: str) -> Board:
    """Create a board owned by `owner`."""
    return Board.objects.create(owner=owner, name=clean_title(name, field="Board name"))


@transaction.atomic
def board_rename(*, board: Board, name: str, actor: User | None = None) -> Board:
    """Rename a board."""
    name = clean_title(name, field="Board name")
    locked = _lock(board)
    locked.name = board.name = name
    locked.save(update_fields=["name"])
    live.changed(locked, header=True)
    return board


@transaction.atomic
def board_delete(*, board: Board, actor: User | None = None) -> None:
    """Delete a board with everything on it; open pages are told and closed."""
    locked = _lock(board)
    board_id = locked.pk
    locked.delete()
    live.board_deleted(board_id)


# --- members -----------------------------------------------------------------------------


def _check_role(role: str) -> str:
    if role not in (Role.EDITOR, Role.VIEWER):
        raise ValidationError("Role must be editor or viewer.")
    return role


@transaction.atomic
def member_add(*, board: Board, username: str, role: str, actor: User | None = None) -> Membership:
    """Add a user (by username) to a board as editor or viewer."""
    from django.contrib.auth import get_user_model

    role = _check_role(role)
    username = (username or "").strip()
    if not username:
        raise ValidationError("Username cannot be empty.")
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise ValidationError(f"No user is called {username[:150]!r}.")
    locked = _lock(board)
    if user.pk == locked.owner_id:
        raise ValidationError(f"{username} owns this board already.")
    if Membership.objects.filter(board=locked, user=user).exists():
        raise ValidationError(f"{username} is a member already.")
    membership = Membership.objects.create(board=locked, user=user, role=role)
    live.changed(locked, header=True)
    return membership


@transaction.atomic
def member_set_role(*, membership: Membership, role: str, actor: User | None = None) -> Membership:
    """Change a member's role; their open pages reload with the new controls."""
    role = _check_role(role)
    locked = _lock(membership.board)
    membership.role = role
    membership.save(update_fields=["role"])
    live.changed(locked, header=True)
    live.member_changed(locked.pk, membership.user_id, removed=False)
    return membership


@transaction.atomic
def member_remove(*, membership: Membership, actor: User | None = None) -> None:
    """Remove a member; their open pages stop receiving the board and say why."""
    locked = _lock(membership.board)
    user_id = membership.user_id
    membership.delete()
    live.changed(locked, header=True)
    live.member_changed(locked.pk, user_id, removed=True)


# --- pipelines -----------------------------------------------------------------------------


@transaction.atomic
def pipeline_create(*, board: Board, name: str, actor: User | None = None) -> Pipeline:
    """Add a pipeline at the end of the board."""
    name = clean_title(name, field="Pipeline name")
    locked = _lock(board)
    position = Pipeline.objects.filter(board=locked).count()
    pipeline = Pipeline.objects.create(board=locked, name=name, position=position)
    live.changed(locked, strip=True)
    return pipeline


@transaction.atomic
def pipeline_rename(*, pipeline: Pipeline, name: str, actor: User | None = None) -> Pipeline:
    """Rename a pipeline."""
    name = clean_title(name, field="Pipeline name")
    locked = _lock(pipeline.board)
    pipeline.name = name
    pipeline.save(update_fields=["name"])
    live.changed(locked, pipelines=[pipeline.pk])
    return pipeline


@transaction.atomic
def pipeline_delete(*, pipeline: Pipeline, actor: User | None = None) -> None:
    """Delete a pipeline and its cards; close the gap it leaves."""
    locked = _lock(pipeline.board)
    pipeline.delete()
    rest = list(Pipeline.objects.select_for_update().filter(board=locked))
    Pipeline.objects.bulk_update(_renumber(rest), ["position"])
    live.changed(locked, strip=True)


@transaction.atomic
def pipelines_reorder(*, board: Board, pipeline_ids: Sequence[int], actor: User | None = None) -> bool:
    """Apply a (possibly stale) new order of a board's pipelines; return whether it changed."""
    if len(set(pipeline_ids)) != len(pipeline_ids):
        raise ValidationError("The new order names a pipeline twice.")
    locked = _lock(board)
    pipelines = list(Pipeline.objects.select_for_update().filter(board=locked))
    by_id = {p.pk: p for p in pipelines}
    foreign = Pipeline.objects.filter(pk__in=[i for i in pipeline_ids if i not in by_id]).exclude(board=locked)
    if foreign.exists():
        raise ValidationError("That order names a pipeline of another board.")
    requested = [i for i in pipeline_ids if i in by_id]  # deleted meanwhile: ignored
    order = merge_order([p.pk for p in pipelines], requested)
    changed = _renumber([by_id[i] for i in order])
    Pipeline.objects.bulk_update(changed, ["position"])
    # Always answer with the authoritative strip: a stale client is corrected either way.
    live.changed(locked, strip=True)
    return bool(changed)


@transaction.atomic
def pipeline_move(*, pipeline: Pipeline, position: int, actor: User | None = None) -> Pipeline:
    """Move a pipeline to `position` (clamped) among its board's pipelines."""
    locked = _lock(pipeline.board)
    rows = list(Pipeline.objects.select_for_update().filter(board=locked))
    # The fresh row, not the caller's copy: a stale position would be taken as already saved.
    current = next((p for p in rows if p.pk == pipeline.pk), None)
    if current is None:
        raise ValidationError("That pipeline no longer exists.")
    others = [p for p in rows if p.pk != pipeline.pk]
    others.insert(max(0, min(int(position), len(others))), current)
    Pipeline.objects.bulk_update(_renumber(others), ["position"])
    live.changed(locked, strip=True)
    pipeline.position = current.position
    return pipeline


# --- cards ---------------------------------------------------------------------------------


@transaction.atomic
def card_create(*, pipeline: Pipeline, title: str, description: str = "", actor: User | None = None) -> Card:
    """Add a card at the end of a pipeline."""
    title = clean_title(title, field="Title")
    description = clean_description(description)
    locked = _lock(pipeline.board)
    if not Pipeline.objects.filter(pk=pipeline.pk, board=locked).exists():
        raise ValidationError("That pipeline no longer exists.")
    position = Card.objects.filter(pipeline=pipeline).count()
    card = Card.objects.create(
        board=locked,
        pipeline=pipeline,
        title=title,
        description=description,
        position=position,
        updated_by=actor if actor and actor.is_authenticated else None,
    )
    live.changed(locked, pipelines=[pipeline.pk])
    return card


@transaction.atomic
def card_update(
    *,
    card: Card,
    title: str,
    description: str,
    actor: User | None = None,
    base_version: int | None = None,
) -> Card:
    """Change a card's title and description.

    With `base_version`, a save based on an older version of the card is refused
    (no silent lost update); the caller shows the current text.
    """
    title = clean_title(title, field="Title")
    description = clean_description(description)
    locked = _lock(card.board)
    current = Card.objects.select_for_update().filter(pk=card.pk, board=locked).first()
    if current is None:
        raise ValidationError("This card no longer exists.")
    if base_version is not None and current.version != base_version:
        raise StaleEdit(current)
    current.title = title
    current.description = description
    current.version += 1
    current.updated_by = actor if actor and actor.is_authenticated else None
    current.save(update_fields=["title", "description", "version", "updated_by", "updated_at"])
    live.changed(locked, cards=[current.pk])
    return current


class StaleEdit(ValidationError):
    """A card edit based on an outdated version: `current` is what the card says now."""

    def __init__(self, current: Card) -> None:
        super().__init__("Someone else changed this card while you were editing it.")
        self.current = current


@transaction.atomic
def card_delete(*, card: Card, actor: User | None = None) -> None:
    """Delete a card and close the gap it leaves in its pipeline."""
    locked = _lock(card.board)
    # Where the card is now, not where the caller saw it: it may have moved meanwhile.
    pipeline_id = Card.objects.filter(pk=card.pk).values_list("pipeline_id", flat=True).first() or card.pipeline_id
    Card.objects.filter(pk=card.pk).delete()
    rest = list(Card.objects.select_for_update().filter(pipeline_id=pipeline_id))
    Card.objects.bulk_update(_renumber(rest), ["position"])
    live.changed(locked, pipelines=[pipeline_id])


@transaction.atomic
def pipeline_reorder(*, pipeline: Pipeline, card_ids: Sequence[int], actor: User | None = None) -> list[int]:
    """Apply a (possibly stale) new order of one pipeline's cards, as drag and drop posts it.

    Ids of cards deleted meanwhile are ignored; cards added meanwhile keep their place
    after the card that preceded them; a listed card now in another pipeline of the
    board moves here. Returns the ids of every pipeline whose cards changed.
    """
    if len(set(card_ids)) != len(card_ids):
        raise ValidationError("The new order names a card twice.")
    locked = _lock(pipeline.board)
    if not Pipeline.objects.filter(pk=pipeline.pk, board=locked).exists():
        raise ValidationError("That pipeline no longer exists.")
    listed = {c.pk: c for c in Card.objects.select_for_update().filter(pk__in=card_ids)}
    if any(c.board_id != locked.pk for c in listed.values()):
        raise ValidationError("That order names a card of another board.")
    current = list(Card.objects.select_for_update().filter(pipeline=pipeline))
    by_id = {c.pk: c for c in current} | listed
    requested = [i for i in card_ids if i in listed]  # deleted meanwhile: ignored
    order = merge_order([c.pk for c in current], requested)

    touched = {pipeline.pk}
    moved_from = {listed[i].pipeline_id for i in requested if listed[i].pipeline_id != pipeline.pk}
    for card_id in order:
        by_id[card_id].pipeline_id = pipeline.pk
    to_save = {c.pk: c for c in _renumber([by_id[i] for i in order])}
    for card_id in requested:
        if card_id not in {c.pk for c in current}:
            to_save[card_id] = by_id[card_id]
    for source_id in moved_from:
        rest = list(Card.objects.select_for_update().filter(pipeline_id=source_id).exclude(pk__in=order))
        for card in _renumber(rest):
            to_save[card.pk] = card
    Card.objects.bulk_update(list(to_save.values()), ["pipeline", "position"])
    touched |= moved_from
    changed = sorted(touched)
    live.changed(locked, pipelines=changed)
    return changed


@transaction.atomic
def card_move(*, card: Card, pipeline: Pipeline, position: int, actor: User | None = None) -> list[int]:
    """Move a card to `position` (clamped) in `pipeline` of the same board; return touched pipelines."""
    if pipeline.board_id != card.board_id:
        raise ValidationError("A card can only move within its board.")
    locked = _lock(card.board)
    current = Card.objects.select_for_update().filter(pk=card.pk, board=locked).first()
    if current is None:
        raise ValidationError("This card no longer exists.")
    if not Pipeline.objects.filter(pk=pipeline.pk, board=locked).exists():
        raise ValidationError("That pipeline no longer exists.")
    source_id = current.pipeline_id
    target = [c for c in Card.objects.select_for_update().filter(pipeline=pipeline) if c.pk != current.pk]
    position = max(0, min(int(position), len(target)))
    current.pipeline_id = pipeline.pk
    target.insert(position, current)
    to_save = {c.pk: c for c in _renumber(target)}
    to_save[current.pk] = current
    if source_id != pipeline.pk:
        rest = list(Card.objects.select_for_update().filter(pipeline_id=source_id).exclude(pk=current.pk))
        to_save |= {c.pk: c for c in _renumber(rest)}
    Card.objects.bulk_update(list(to_save.values()), ["pipeline", "position"])
    touched = sorted({source_id, pipeline.pk})
    live.changed(locked, pipelines=touched)
    card.pipeline_id, card.position = current.pipeline_id, current.position
    return touched
