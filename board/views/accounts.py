"""Signing up, and the answer to a form whose security token expired."""

from __future__ import annotations

from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from board.forms import SignupForm
from board.views.answers import flash_response


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("home")
    return render(request, "registration/signup.html", {"form": form}, status=400 if form.errors else 200)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    message = _("This form has expired (missing or wrong security token). Reload the page and try again.")
    if getattr(request, "htmx", False):
        return flash_response(message, 403)
    return render(request, "board/error.html", {"message": message, "status": 403}, status=403)
