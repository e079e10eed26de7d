"""A person's own settings: the theme (logged in: saved on their profile; otherwise a cookie)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from board import selectors, services
from board.forms import ThemeForm
from board.views.answers import HtmxHttpRequest, first_error, flash_response

COOKIE_SECONDS = 365 * 24 * 3600


@require_POST
def theme_set(request: HtmxHttpRequest) -> HttpResponse:
    """Paint every page in the chosen theme, then go back to the page the choice was made on."""
    form = ThemeForm(request.POST)
    if not form.is_valid():
        message = first_error(form)
        if request.htmx:
            return flash_response(message, 400)
        return render(request, "board/error.html", {"message": message, "status": 400}, status=400)
    theme = form.cleaned_data["theme"]
    back = form.cleaned_data["next"]
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = reverse("home")
    response = redirect(back)
    if request.user.is_authenticated:
        services.profile_update(user=request.user, theme=theme)
    else:
        response.set_cookie(selectors.THEME_COOKIE, theme, max_age=COOKIE_SECONDS, samesite="Lax", httponly=True)
    return response
