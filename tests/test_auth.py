"""Sessions and logins are Django's own; sessions from before the upgrade stay logged in."""

from __future__ import annotations

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, authenticate
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client

from tests.conftest import PASSWORD, make_user


def logged_in(user, backend: str) -> SessionStore:
    session = SessionStore()
    session.update(
        {SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: backend, HASH_SESSION_KEY: user.get_session_auth_hash()}
    )
    session.create()
    return session


def page_user(session_key: str) -> str:
    client = Client()
    client.cookies["sessionid"] = session_key
    response = client.get("/")
    return "anonymous" if response.status_code == 302 else response.context["user"].username


@pytest.mark.django_db
@pytest.mark.parametrize("backend", ["board.auth.ModelBackend", "django.contrib.auth.backends.ModelBackend"])
def test_a_session_logged_in_before_or_after_the_upgrade_stays_logged_in_until_the_password_changes(backend):
    user = make_user("sally")
    session = logged_in(user, backend)
    assert page_user(session.session_key) == "sally"
    user.set_password("a whole new secret")
    user.save()
    assert page_user(session.session_key) == "anonymous"


@pytest.mark.django_db
def test_logging_in_goes_through_djangos_backend_and_the_old_name_authenticates_nobody():
    user = make_user("sally")
    found = authenticate(username="sally", password=PASSWORD)
    assert found == user and found.backend == "django.contrib.auth.backends.ModelBackend"
    assert authenticate(username="sally", password="wrong") is None
    client = Client()
    response = client.post("/accounts/login/", {"username": "sally", "password": PASSWORD})
    assert response.status_code == 302
    assert page_user(client.cookies["sessionid"].value) == "sally"
