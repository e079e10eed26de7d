"""A person's own settings (board.models.Profile): one row each, created on the first change.

Not a board's write: no board is locked and no board event is recorded; nothing live
depends on it (the next page a person opens, and their next socket, use it).
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from board import i18n
from board.models import Profile, Theme


@transaction.atomic
def profile_update(*, user: AbstractBaseUser, language: str | None = None, theme: str | None = None) -> Profile:
    """Change the settings given (None: leave as it is); refuse a value that is not one of its choices.

    `language` is one of settings.LANGUAGES, or "" for the browser's.
    """
    if language is not None and language != "" and i18n.supported(language) != language:
        raise ValidationError(_("Choose a language: English, Japanese or the browser's."))
    if theme is not None and theme not in Theme.values:
        raise ValidationError(_("Choose a theme: light, dark or system."))
    profile, _created = Profile.objects.select_for_update().get_or_create(user=user)
    changed = []
    for field, value in (("language", language), ("theme", theme)):
        if value is not None and getattr(profile, field) != value:
            setattr(profile, field, value)
            changed.append(field)
    if changed:
        profile.save(update_fields=changed)
    return profile
