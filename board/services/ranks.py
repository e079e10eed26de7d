"""Gapped ranks: an item placed between two others takes a rank between theirs.

Ranks are spaced STEP apart, so a move writes one row; only when two neighbours have no
rank left between them (after about 16 moves into the same gap) are the siblings spread
out again, which writes each of them once.
"""

from __future__ import annotations

from django.db.models import Model, Q, QuerySet

STEP = 1 << 16


def between(lower: int | None, upper: int | None) -> int | None:
    """A rank strictly between two (None: no neighbour on that side), or None if there is no room."""
    if lower is None and upper is None:
        return STEP
    if lower is None:
        return upper - STEP
    if upper is None:
        return lower + STEP
    return (lower + upper) // 2 if upper - lower >= 2 else None


def after_last(siblings: QuerySet) -> int:
    """The rank for an item added at the end."""
    last = siblings.order_by("-position", "-id").values_list("position", flat=True).first()
    return between(last, None)  # type: ignore[return-value]


def neighbour(siblings: QuerySet, *, after: int | None, before: int | None) -> Model | None:
    """The sibling to place an item right after, from the neighbours a page saw (ids).

    `after` None puts the item first. A page may be stale: when `after` is no longer among
    the siblings (moved or deleted meanwhile), the item goes right before `before` if that
    one still is, else last.
    """
    if after is None:
        return None
    found = {row.pk: row for row in siblings.filter(pk__in=[i for i in (after, before) if i is not None])}
    if after in found:
        return found[after]
    if before in found:
        item = found[before]
        earlier = Q(position__lt=item.position) | Q(position=item.position, pk__lt=item.pk)
        return siblings.filter(earlier).order_by("-position", "-id").first()
    return siblings.order_by("-position", "-id").first()


def place_after(siblings: QuerySet, after: Model | None) -> int:
    """The rank for an item placed right after `after` (None: first) among `siblings`.

    `siblings` are the item's new neighbours, without the item itself, in a scope the
    caller holds locked.
    """
    ordered = siblings.order_by("position", "id")
    if after is None:
        lower = None
        upper = ordered.values_list("position", flat=True).first()
    else:
        lower = after.position
        later = Q(position__gt=after.position) | Q(position=after.position, pk__gt=after.pk)
        upper = ordered.filter(later).values_list("position", flat=True).first()
    rank = between(lower, upper)
    if rank is not None:
        return rank
    spread(siblings)
    if after is not None:
        after.position = siblings.model.objects.values_list("position", flat=True).get(pk=after.pk)
    return place_after(siblings, after)


def spread(siblings: QuerySet) -> None:
    """Give the siblings ranks STEP apart, in their current order."""
    rows = list(siblings.order_by("position", "id").only("pk", "position"))
    for index, row in enumerate(rows, 1):
        row.position = index * STEP
    siblings.model.objects.bulk_update(rows, ["position"], batch_size=500)
