"""Logging in: a bound on password length, and a pause after repeated failures.

Failures are counted in Django's cache per username and address together (shared by every
process through Redis when configured), so one guesser cannot lock everyone out: after
FAILURES within WINDOW, further tries of that name from that address are refused with how
long to wait, whatever the password, until the window has passed. The Django admin's login
(AdminLoginForm, set as `admin.site.login_form`) counts and pauses the same way, with the
same counts: failures on either page add up.
"""

from __future__ import annotations

import hashlib
import math
import time

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

PASSWORD_MAX = 128  # characters: hashing is slow on purpose, so a megabyte "password" is refused first
FAILURES = 5
WINDOW = 15 * 60  # seconds


def _keys(username: str, address: str) -> list[str]:
    who = f"{username.casefold()}\n{address}".encode()
    return [f"login-failures:{hashlib.sha256(who).hexdigest()[:32]}"]


def _waiting(keys: list[str]) -> int:
    """Seconds until a try is allowed again (0: now)."""
    now = time.time()
    waits = [int(until - now) for until in cache.get_many(keys).values() if isinstance(until, float) and until > now]
    return max(waits, default=0)


class LoginForm(AuthenticationForm):
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=PASSWORD_MAX,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        address = self.request.META.get("REMOTE_ADDR", "") if self.request else ""
        keys = _keys(username, address)
        wait = _waiting(keys)
        if wait:
            minutes = math.ceil(wait / 60)
            raise ValidationError(
                ngettext(
                    "Too many failed attempts: try again in %(minutes)d minute.",
                    "Too many failed attempts: try again in %(minutes)d minutes.",
                    minutes,
                )
                % {"minutes": minutes},
                code="throttled",
            )
        try:
            return super().clean()
        except ValidationError:
            self._failed(keys)
            raise

    @staticmethod
    def _failed(keys: list[str]) -> None:
        for key in keys:
            count_key = key + ":n"
            try:
                count = cache.incr(count_key)
            except ValueError:
                cache.set(count_key, 1, WINDOW)
                count = 1
            if count >= FAILURES:
                cache.set(key, time.time() + WINDOW, WINDOW)
                cache.delete(count_key)


class AdminLoginForm(LoginForm, AdminAuthenticationForm):
    """The admin's login: the same bound and pause, then the admin's own staff check."""
