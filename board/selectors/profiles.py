"""A person's settings as pages use them: defaults for anyone without a row (or not logged in)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from board.models import Profile, Theme

THEME_COOKIE = "theme"  # what a visitor who is not logged in chose


def theme_of(*, user: AbstractBaseUser | AnonymousUser, cookie: str | None = None) -> str:
    """The theme to render: the person's own, else the visitor's cookie; anything unknown is "system"."""
    if user.is_authenticated:
        chosen = Profile.objects.filter(user=user).values_list("theme", flat=True).first()
    else:
        chosen = cookie
    return chosen if chosen in Theme.values else Theme.SYSTEM
