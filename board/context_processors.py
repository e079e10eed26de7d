"""What every page's frame needs: the theme it is painted in (on <html data-theme>, so no flash)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from board import selectors
from board.forms import THEME_CHOICES


def theme(request: HttpRequest) -> dict:
    # Lazy: read only by pages that render the frame, once each.
    chosen = SimpleLazyObject(
        lambda: selectors.theme_of(user=request.user, cookie=request.COOKIES.get(selectors.THEME_COOKIE))
    )
    return {"theme": chosen, "theme_choices": THEME_CHOICES}
