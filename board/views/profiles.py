"""A person's own settings: the language (logged in: saved on their profile; and a cookie, for the login page)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from board import services
from board.forms import LanguageForm
from board.views.answers import HtmxHttpRequest, first_error, flash_response


@require_POST
def language_set(request: HtmxHttpRequest) -> HttpResponse:
    """Show every page in the chosen language ("": the browser's), then go back to the page it was chosen on.

    Django's set_language, plus the person's profile: a saved language follows them to any
    browser, and wins over the browser's own.
    """
    form = LanguageForm(request.POST)
    if not form.is_valid():
        message = first_error(form)
        if request.htmx:
            return flash_response(message, 400)
        return render(request, "board/error.html", {"message": message, "status": 400}, status=400)
    language = form.cleaned_data["language"]
    back = form.cleaned_data["next"]
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = reverse("home")
    if request.user.is_authenticated:
        services.profile_update(user=request.user, language=language)
    response = redirect(back)
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
