"""Which language a reader gets: their saved choice, else their browser's (cookie, Accept-Language).

Pages get it through Django's LocaleMiddleware and ProfileLanguageMiddleware; a board socket
works it out once when it connects (live.auth), from the same person and the same headers,
so its live fragments come in the language of the page it belongs to.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation

from board.models import Profile


def codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def supported(code: str | None) -> str | None:
    """`code` if it is one of ours (or a variant of one: "ja-JP"), else None; never raises."""
    if not code or not isinstance(code, str) or len(code) > 20:
        return None
    try:
        found = translation.get_supported_language_variant(code)
    except LookupError:
        return None
    return found if found in codes() else None


def current() -> str:
    """The active language, as one of settings.LANGUAGES."""
    return supported(translation.get_language()) or settings.LANGUAGE_CODE


def saved_language(user: Any) -> str:
    """The person's own choice ("" for the browser's, or for anyone not logged in)."""
    if user is None or not user.is_authenticated:
        return ""
    chosen = Profile.objects.filter(user=user).values_list("language", flat=True).first()
    return supported(chosen) or ""


def browser_language(cookies: dict[str, str], accept_language: str) -> str:
    """What Django's LocaleMiddleware picks for these headers (the language cookie, then Accept-Language)."""
    request = HttpRequest()
    request.COOKIES = cookies
    request.META["HTTP_ACCEPT_LANGUAGE"] = accept_language
    return supported(translation.get_language_from_request(request)) or settings.LANGUAGE_CODE


def language_of(user: Any, cookies: dict[str, str], accept_language: str) -> str:
    return saved_language(user) or browser_language(cookies, accept_language)


class ProfileLanguageMiddleware:
    """A logged-in person's saved language wins over their browser's (after AuthenticationMiddleware)."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> Any:
        user = getattr(request, "user", None)
        chosen = saved_language(user)
        if chosen and chosen != request.LANGUAGE_CODE:
            translation.activate(chosen)
            request.LANGUAGE_CODE = chosen
        # What the language form shows as chosen ("": the browser's).
        logged_in = user is not None and user.is_authenticated
        request.language_choice = (
            chosen if logged_in else supported(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)) or ""
        )
        return self.get_response(request)
