"""A person's own settings (board.models.Profile): one row each, created on the first change.

Not a board's write: no board is locked and no board event is recorded; nothing live
depends on it (the next page a person opens is rendered with it).
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from board.models import Profile, Theme


@transaction.atomic
def profile_update(*, user: AbstractBaseUser, theme: str | None = None) -> Profile:
    """Change the settings given (None: leave as it is); refuse a value that is not one of its choices."""
    if theme is not None and theme not in Theme.values:
        raise ValidationError(_("Choose a theme: light, dark or system."))
    profile, _created = Profile.objects.select_for_update().get_or_create(user=user)
    changed = []
    if theme is not None and profile.theme != theme:
        profile.theme = theme
        changed.append("theme")
    if changed:
        profile.save(update_fields=changed)
    return profile
