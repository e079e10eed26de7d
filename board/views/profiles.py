"""A person's own settings: the language and the theme.

Logged in: saved on their profile (and the language also in a cookie, for the login page);
otherwise a cookie.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from board import selectors, services
from board.forms import LanguageForm, ThemeForm
from board.views.answers import HtmxHttpRequest, first_error, flash_response

COOKIE_SECONDS = 365 * 24 * 3600


def refused(request: HtmxHttpRequest, form) -> HttpResponse:
    message = first_error(form)
    if request.htmx:
        return flash_response(message, 400)
    return render(request, "board/error.html", {"message": message, "status": 400}, status=400)


def back_to(request: HtmxHttpRequest, back: str) -> HttpResponse:
    """To the page the choice was made on (only this site's): else home."""
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = reverse("home")
    return redirect(back)


@require_POST
def theme_set(request: HtmxHttpRequest) -> HttpResponse:
    """Paint every page in the chosen theme, then go back to the page the choice was made on."""
    form = ThemeForm(request.POST)
    if not form.is_valid():
        return refused(request, form)
    theme = form.cleaned_data["theme"]
    response = back_to(request, form.cleaned_data["next"])
    if request.user.is_authenticated:
        services.profile_update(user=request.user, theme=theme)
    else:
        response.set_cookie(selectors.THEME_COOKIE, theme, max_age=COOKIE_SECONDS, samesite="Lax", httponly=True)
    return response


@require_POST
def language_set(request: HtmxHttpRequest) -> HttpResponse:
    """Show every page in the chosen language ("": the browser's), then go back to the page it was chosen on.

    Django's set_language, plus the person's profile: a saved language follows them to any
    browser, and wins over the browser's own.
    """
    form = LanguageForm(request.POST)
    if not form.is_valid():
        return refused(request, form)
    language = form.cleaned_data["language"]
    if request.user.is_authenticated:
        services.profile_update(user=request.user, language=language)
    response = back_to(request, form.cleaned_data["next"])
    if language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            secure=settings.LANGUAGE_COOKIE_SECURE,
        )
    else:
        response.delete_cookie(settings.LANGUAGE_COOKIE_NAME, samesite=settings.LANGUAGE_COOKIE_SAMESITE)
    return response
