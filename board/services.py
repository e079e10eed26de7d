"""Every write to a board: typed, keyword-only, transactional, broadcast after commit.

Each service takes the board's row lock first (serialising concurrent writes to one
board on PostgreSQL; SQLite serialises writers anyway), bumps the board's version and
hands what it changed to `live.changed`, which renders the fragments under that lock
and sends them once the transaction commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from board import card_cache, live, selectors
from board.models import (
    COMMENT_MAX,
    DESCRIPTION_MAX,
    TITLE_MAX,
    Activity,
    Board,
    Card,
    Comment,
    EditClaim,
    Membership,
    Pipeline,
    Presence,
    Role,
)

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
    """Take the board's row lock, bump its version and return the board, fresh from that row.

    One `UPDATE ... RETURNING` (SQLite 3.35+, PostgreSQL) instead of a locking read and a save.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE board_board SET version = version + 1 WHERE id = %s RETURNING version, name, owner_id", [board.pk]
        )
        row = cursor.fetchone()
    if row is None:
        raise ValidationError("This board no longer exists.")
    board.version, board.name, board.owner_id = row
    return board


def _log(board: Board, actor: User | None, verb: str, text: str, *, card: Card | Place | None = None) -> Activity:
    """Record one line of the board's history (shown live in its activity list).

    Hand-written SQL, as the hot reads in selectors: every write logs, and building the
    ORM's INSERT cost more than running it.
    """
    who = actor if actor is not None and actor.is_authenticated else None
    activity = Activity(
        board=board,
        card_id=card.pk if card is not None else None,
        actor=who,
        verb=verb,
        text=text[:600],
        created_at=timezone.now(),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO board_activity (board_id, card_id, actor_id, verb, text, created_at)"
            " VALUES (%s, %s, %s, %s, %s, %s) RETURNING id",
            [
                board.pk,
                activity.card_id,
                who.pk if who is not None else None,
                activity.verb,
                activity.text,
                connection.ops.adapt_datetimefield_value(activity.created_at),
            ],
        )
        activity.pk = cursor.fetchone()[0]
    activity._state.adding, activity._state.db = False, connection.alias
    return activity


def _cards_changed(board: Board, *card_ids: int) -> None:
    """These cards' fragments change at this version (see Card.rev)."""
    Card.objects.filter(pk__in=card_ids).update(rev=board.version)


def _q(text: str) -> str:
    return f"“{text}”"


def _save_places(items: Iterable[Place] | Iterable[Pipeline]) -> None:
    """Write the positions (and a card's pipeline) of many rows in one UPDATE.

    The same statement `bulk_update` makes, without building an expression object per
    row (about 0.2 ms a row: a move to the top of a 200-card pipeline spent 58 ms there).
    """
    rows = list(items)
    if not rows:
        return
    model = Pipeline if isinstance(rows[0], Pipeline) else Card
    columns = ["position"] + (["pipeline_id"] if model is Card else [])
    sets, params = [], []
    for column in columns:
        sets.append(f"{column} = CASE id {' '.join(['WHEN %s THEN %s'] * len(rows))} END")
        params += [value for row in rows for value in (row.pk, getattr(row, column))]
    table = connection.ops.quote_name(model._meta.db_table)
    sql = f"UPDATE {table} SET {', '.join(sets)} WHERE id IN {selectors.in_list(rows)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params + [row.pk for row in rows])


@dataclass(slots=True)
class Place:
    """A card as far as placing it needs (see _places), and as far as its cached fragment needs."""

    pk: int
    board_id: int
    pipeline_id: int
    position: int
    title: str = ""
    rev: int = 0
    updated_at: datetime | str | None = None
    updated_by_id: int | None = None
    claim_expires_at: datetime | str | None = None

    def key(self) -> card_cache.CardKey:
        """The columns that pick its cached fragment (`_places(..., keys=True)` loaded them)."""
        return selectors.card_key(
            self.pk, self.pipeline_id, self.rev, self.updated_at, self.updated_by_id, self.claim_expires_at
        )


def _places(where: str, params: list, *, titles: bool = False, keys: bool = False) -> list[Place]:
    """Cards locked, in order, loaded as far as placing them needs (whole rows cost more than the move).

    Hand-written SQL and plain rows, as the hot reads in selectors: building the ORM query
    and a model instance per card cost more than running the query. `where` holds only
    placeholders for `params`. With `keys`, also the titles and the columns of each card's
    cached fragment (card_cache.CardKey): the pipelines the cards are in can then be
    rendered without reading them again.
    """
    columns = "id, board_id, pipeline_id, position"
    if titles or keys:
        columns += ", title"
    if keys:
        columns += (
            ", rev, updated_at, updated_by_id,"
            " (SELECT k.expires_at FROM board_editclaim k WHERE k.card_id = board_card.id)"
        )
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM board_card WHERE {where} ORDER BY position, id{lock}", params)
        return [Place(*row) for row in cursor.fetchall()]


def _renumber(items: Sequence[Place] | Sequence[Pipeline]) -> list:
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
    old = locked.name
    locked.name = board.name = name
    locked.save(update_fields=["name"])
    note = _log(locked, actor, "renamed", f"renamed the board from {_q(old)} to {_q(name)}")
    live.changed(locked, header=True, activities=[note])
    return board


@transaction.atomic
def board_delete(*, board: Board, actor: User | None = None) -> None:
    """Delete a board with everything on it; open pages are told and closed."""
    board_id = _lock(board).pk
    Board.objects.filter(pk=board_id).delete()
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
    note = _log(locked, actor, "member", f"added {user.get_username()} as {role}")
    live.changed(locked, header=True, activities=[note])
    return membership


@transaction.atomic
def member_set_role(*, membership: Membership, role: str, actor: User | None = None) -> Membership:
    """Change a member's role; their open pages reload with the new controls."""
    role = _check_role(role)
    locked = _lock(membership.board)
    if not Membership.objects.filter(pk=membership.pk, board=locked).exists():
        raise ValidationError("That member is no longer on this board.")  # removed meanwhile
    membership.role = role
    membership.save(update_fields=["role"])
    note = _log(locked, actor, "member", f"made {membership.user.get_username()} {role}")
    live.changed(locked, header=True, activities=[note])
    live.member_changed(locked.pk, membership.user_id, removed=False)
    return membership


@transaction.atomic
def member_remove(*, membership: Membership, actor: User | None = None) -> None:
    """Remove a member; their open pages stop receiving the board and say why."""
    locked = _lock(membership.board)
    user_id = membership.user_id
    name = membership.user.get_username()
    membership.delete()
    claims = EditClaim.objects.filter(card__board=locked, user_id=user_id)
    claimed = list(claims.values_list("card_id", flat=True))
    claims.delete()
    _cards_changed(locked, *claimed)
    note = _log(locked, actor, "member", f"removed {name} from the board")
    live.changed(locked, header=True, cards=claimed, activities=[note])
    live.member_changed(locked.pk, user_id, removed=True)


# --- pipelines -----------------------------------------------------------------------------


@transaction.atomic
def pipeline_create(*, board: Board, name: str, actor: User | None = None) -> Pipeline:
    """Add a pipeline at the end of the board."""
    name = clean_title(name, field="Pipeline name")
    locked = _lock(board)
    position = Pipeline.objects.filter(board=locked).count()
    pipeline = Pipeline.objects.create(board=locked, name=name, position=position)
    note = _log(locked, actor, "created", f"added the pipeline {_q(name)}")
    live.changed(locked, strip=True, activities=[note])
    return pipeline


@transaction.atomic
def pipeline_rename(*, pipeline: Pipeline, name: str, actor: User | None = None) -> Pipeline:
    """Rename a pipeline."""
    name = clean_title(name, field="Pipeline name")
    locked = _lock(pipeline.board)
    old = Pipeline.objects.filter(pk=pipeline.pk).values_list("name", flat=True).first() or pipeline.name
    pipeline.name = name
    pipeline.save(update_fields=["name"])
    note = _log(locked, actor, "renamed", f"renamed the pipeline {_q(old)} to {_q(name)}")
    live.changed(locked, pipelines=[pipeline.pk], activities=[note])
    return pipeline


@transaction.atomic
def pipeline_delete(*, pipeline: Pipeline, actor: User | None = None) -> None:
    """Delete a pipeline and its cards; close the gap it leaves."""
    locked = _lock(pipeline.board)
    name = pipeline.name
    pipeline.delete()
    rest = list(Pipeline.objects.select_for_update().filter(board=locked))
    _save_places(_renumber(rest))
    note = _log(locked, actor, "deleted", f"deleted the pipeline {_q(name)} and its cards")
    live.changed(locked, strip=True, activities=[note])


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
    _save_places(changed)
    notes = [_log(locked, actor, "moved", "reordered the pipelines")] if changed else []
    # Always answer with the authoritative strip: a stale client is corrected either way.
    live.changed(locked, strip=True, activities=notes)
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
    changed = _renumber(others)
    _save_places(changed)
    notes = [_log(locked, actor, "moved", f"moved the pipeline {_q(current.name)}")] if changed else []
    live.changed(locked, strip=True, activities=notes)
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
        rev=locked.version,
    )
    note = _log(locked, actor, "created", f"created {_q(title)} in {pipeline.name}", card=card)
    live.changed(locked, pipelines=[pipeline.pk], activities=[note])
    return card


@transaction.atomic
def card_update(
    *,
    card: Card,
    title: str,
    description: str,
    actor: User | None = None,
    base_version: int | None = None,
    over_claim: bool = True,
) -> Card:
    """Change a card's title and description.

    With `base_version`, a save based on an older version of the card is refused
    (no silent lost update); the caller shows the current text. Without `over_claim`,
    saving while someone else has the card's edit form open is refused (ClaimHeld) so
    the caller can ask for confirmation. Saving ends the saver's own claim.
    """
    title = clean_title(title, field="Title")
    description = clean_description(description)
    locked = _lock(card.board)
    current = Card.objects.select_for_update().filter(pk=card.pk, board=locked).first()
    if current is None:
        raise ValidationError("This card no longer exists.")
    if base_version is not None and current.version != base_version:
        raise StaleEdit(current)
    claim = active_claim(card=current)
    if claim is not None and not over_claim and (actor is None or claim.user_id != actor.pk):
        raise ClaimHeld(claim)
    notes = []
    if current.title != title:
        notes.append(_log(locked, actor, "renamed", f"renamed {_q(current.title)} to {_q(title)}", card=current))
    if current.description != description:
        notes.append(_log(locked, actor, "edited", f"edited the description of {_q(title)}", card=current))
    current.title = title
    current.description = description
    current.version += 1
    current.rev = locked.version
    current.updated_by = actor if actor and actor.is_authenticated else None
    current.save(update_fields=["title", "description", "version", "rev", "updated_by", "updated_at"])
    if actor is not None:
        EditClaim.objects.filter(card=current, user_id=actor.pk).delete()
    live.changed(locked, cards=[current.pk], activities=notes)
    return current


class ClaimHeld(ValidationError):
    """Someone else has the card's edit form open: saving over it needs confirmation."""

    def __init__(self, claim: EditClaim) -> None:
        super().__init__(f"{claim.user.get_username()} is editing this card right now. Save anyway?")
        self.claim = claim


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
    note = _log(locked, actor, "deleted", f"deleted {_q(card.title)}")
    Card.objects.filter(pk=card.pk).delete()
    _save_places(_renumber(_places("pipeline_id = %s", [pipeline_id])))
    live.changed(locked, pipelines=[pipeline_id], activities=[note])


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
    listed = {}
    if card_ids:
        listed = {c.pk: c for c in _places(f"id IN {selectors.in_list(card_ids)}", list(card_ids), titles=True)}
    if any(c.board_id != locked.pk for c in listed.values()):
        raise ValidationError("That order names a card of another board.")
    current = _places("pipeline_id = %s", [pipeline.pk])
    by_id = {c.pk: c for c in current} | listed
    requested = [i for i in card_ids if i in listed]  # deleted meanwhile: ignored
    order = merge_order([c.pk for c in current], requested)

    touched = {pipeline.pk}
    original = {i: listed[i].pipeline_id for i in requested}
    moved_from = {old for old in original.values() if old != pipeline.pk}
    for card_id in order:
        by_id[card_id].pipeline_id = pipeline.pk
    to_save = {c.pk: c for c in _renumber([by_id[i] for i in order])}
    for card_id in requested:
        if card_id not in {c.pk for c in current}:
            to_save[card_id] = by_id[card_id]
    placed = set(order)
    for source_id in moved_from:
        rest = [c for c in _places("pipeline_id = %s", [source_id]) if c.pk not in placed]
        for card in _renumber(rest):
            to_save[card.pk] = card
    _save_places(to_save.values())
    touched |= moved_from
    changed = sorted(touched)
    names = dict(Pipeline.objects.filter(pk__in=changed).values_list("pk", "name"))
    notes = [
        _log(locked, actor, "moved", f"moved {_q(c.title)} from {names[old]} to {pipeline.name}", card=c)
        for c, old in ((listed[i], original[i]) for i in requested if original[i] != pipeline.pk)
    ]
    if not notes and to_save:
        notes.append(_log(locked, actor, "moved", f"reordered the cards of {pipeline.name}"))
    live.changed(locked, pipelines=changed, activities=notes)
    return changed


@transaction.atomic
def card_move(*, card: Card, pipeline: Pipeline, position: int, actor: User | None = None) -> list[int]:
    """Move a card to `position` (clamped) in `pipeline` of the same board; return touched pipelines."""
    if pipeline.board_id != card.board_id:
        raise ValidationError("A card can only move within its board.")
    locked = _lock(card.board)
    # The card and the cards of both pipelines in one query (where the page saw the card;
    # a second query only if someone moved it elsewhere meanwhile).
    rows = _places("id = %s OR pipeline_id IN (%s, %s)", [card.pk, pipeline.pk, card.pipeline_id], keys=True)
    current = next((c for c in rows if c.pk == card.pk and c.board_id == locked.pk), None)
    if current is None:
        raise ValidationError("This card no longer exists.")
    source_id = current.pipeline_id
    if source_id not in {pipeline.pk, card.pipeline_id}:
        rows += _places("pipeline_id = %s AND id <> %s", [source_id, current.pk], keys=True)
    shown = {p.pk: p for p in selectors.pipelines_of_board(board=locked, ids=sorted({pipeline.pk, source_id}))}
    if pipeline.pk not in shown:
        raise ValidationError("That pipeline no longer exists.")
    target = [c for c in rows if c.pipeline_id == pipeline.pk and c.pk != current.pk]
    position = max(0, min(int(position), len(target)))
    current.pipeline_id = pipeline.pk
    target.insert(position, current)
    to_save = {c.pk: c for c in _renumber(target)}
    to_save[current.pk] = current
    rest: list[Place] = []
    text = f"moved {_q(current.title)} within {shown[pipeline.pk].name}"
    if source_id != pipeline.pk:
        rest = [c for c in rows if c.pipeline_id == source_id and c.pk != current.pk]
        to_save |= {c.pk: c for c in _renumber(rest)}
        source = shown[source_id].name if source_id in shown else ""
        text = f"moved {_q(current.title)} from {source} to {shown[pipeline.pk].name}"
    _save_places(to_save.values())
    notes = [_log(locked, actor, "moved", text, card=current)] if len(to_save) > 1 or source_id != pipeline.pk else []
    # Both pipelines as they are now, from the rows just locked and written: no second read.
    cards = [c.key() for c in target + rest if c.pipeline_id in shown]
    live.changed(locked, pipelines=selectors.give_cards(list(shown.values()), cards, timezone.now()), activities=notes)
    card.pipeline_id, card.position = current.pipeline_id, current.position
    return sorted({source_id, pipeline.pk})


# --- comments ------------------------------------------------------------------------------


def clean_comment(value: str | None) -> str:
    text = (value or "").replace("\r\n", "\n").strip()
    if not text:
        raise ValidationError("A comment cannot be empty.")
    if len(text) > COMMENT_MAX:
        raise ValidationError(f"A comment is at most {COMMENT_MAX} characters (this one has {len(text)}).")
    return text


@transaction.atomic
def comment_create(*, card: Card, author: User, body: str) -> Comment:
    """Add a comment to a card (any member may: it is how a viewer takes part)."""
    body = clean_comment(body)
    locked = _lock(card.board)
    if not Card.objects.filter(pk=card.pk, board=locked).exists():
        raise ValidationError("This card no longer exists.")
    comment = Comment.objects.create(card=card, author=author, body=body)
    _cards_changed(locked, card.pk)
    note = _log(locked, author, "commented", f"commented on {_q(card.title)}", card=card)
    live.changed(locked, cards=[card.pk], comments=[comment.pk], activities=[note])
    return comment


@transaction.atomic
def comment_update(*, comment: Comment, actor: User, body: str) -> Comment:
    """Change one's own comment."""
    body = clean_comment(body)
    if comment.author_id != actor.pk:
        raise PermissionDenied("Only its author can edit a comment.")
    locked = _lock(comment.card.board)
    comment.body = body
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "edited_at"])
    live.changed(locked, comments=[comment.pk])
    return comment


@transaction.atomic
def comment_delete(*, comment: Comment, actor: User, moderator: bool = False) -> None:
    """Delete a comment: its author may, so may the board's owner, and staff moderating."""
    board = comment.card.board
    if not moderator and actor.pk not in (comment.author_id, board.owner_id):
        raise PermissionDenied("Only its author or the board's owner can delete a comment.")
    locked = _lock(board)
    card_id, comment_id = comment.card_id, comment.pk
    comment.delete()
    _cards_changed(locked, card_id)
    note = _log(locked, actor, "deleted", f"deleted a comment on {_q(comment.card.title)}", card=comment.card)
    live.changed(locked, cards=[card_id], removed_comments=[comment_id], activities=[note])


# --- edit claims ---------------------------------------------------------------------------

CLAIM_TTL = timedelta(minutes=5)


def active_claim(*, card: Card) -> EditClaim | None:
    return EditClaim.objects.select_related("user").filter(card=card, expires_at__gt=timezone.now()).first()


@transaction.atomic
def claim_take(*, card: Card, user: User, page: str = "") -> EditClaim:
    """Mark the card as being edited by `user`, unless someone else holds a live claim.

    Returns the claim in force: the caller's own, or the other person's.
    """
    locked = _lock(card.board)
    current = active_claim(card=card)
    if current is not None and current.user_id != user.pk:
        return current
    claim, _ = EditClaim.objects.update_or_create(
        card=card, defaults={"user": user, "page": page, "expires_at": timezone.now() + CLAIM_TTL}
    )
    if current is None:
        _cards_changed(locked, card.pk)
        live.changed(locked, cards=[card.pk])
    return claim


@transaction.atomic
def claim_release(*, card: Card, user: User) -> bool:
    """End `user`'s claim on the card (saved or cancelled); return whether there was one."""
    if not EditClaim.objects.filter(card=card, user_id=user.pk).exists():
        return False
    locked = _lock(card.board)
    EditClaim.objects.filter(card=card, user_id=user.pk).delete()
    _cards_changed(locked, card.pk)
    live.changed(locked, cards=[card.pk])
    return True


def claims_release_page(*, page: str) -> int:
    """End the claims held by an open page whose socket is gone; return how many."""
    ended = 0
    for claim in list(EditClaim.objects.filter(page=page).select_related("card__board", "user")):
        ended += claim_release(card=claim.card, user=claim.user)
    return ended


# --- presence ------------------------------------------------------------------------------

PRESENCE_TTL = timedelta(seconds=90)


def _online_users(board_id: int) -> set[int]:
    fresh = timezone.now() - PRESENCE_TTL
    return set(Presence.objects.filter(board_id=board_id, seen_at__gt=fresh).values_list("user_id", flat=True))


def presence_join(*, board_id: int, user: User, page: str) -> bool:
    """An open page of the board (one per tab); return whether the set of people online changed."""
    before = _online_users(board_id)
    Presence.objects.create(board_id=board_id, user=user, page=page, seen_at=timezone.now())
    return user.pk not in before


def presence_leave(*, board_id: int, user_id: int, page: str) -> bool:
    """A page closed; return whether the set of people online changed (their last tab)."""
    Presence.objects.filter(board_id=board_id, user_id=user_id, page=page).delete()
    return user_id not in _online_users(board_id)


def presence_heartbeat(*, pages: Iterable[str]) -> None:
    """Open pages are still there: keep their presence and edit claims fresh."""
    pages = list(pages)
    if pages:
        now = timezone.now()
        Presence.objects.filter(page__in=pages).update(seen_at=now)
        EditClaim.objects.filter(page__in=pages).update(expires_at=now + CLAIM_TTL)
