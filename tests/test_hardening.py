"""Logins that cannot be guessed at speed, names that cannot lie, pages no cache keeps."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client

from board.logins import PASSWORD_MAX
from tests.conftest import PASSWORD
from tests.test_views import b, burl, snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_failures_of_earlier_tests():
    cache.clear()


def log_in(client: Client, username: str, password: str):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_five_failed_logins_pause_that_name_from_that_address_with_how_long(world):
    client = Client()
    for _ in range(5):
        assert log_in(client, world.editor.username, "wrong password").status_code == 200  # the form again
    refused = log_in(client, world.editor.username, PASSWORD)  # even the right one, for now
    assert refused.status_code == 200 and "_auth_user_id" not in client.session
    assert "Too many failed attempts: try again in 15 minutes." in refused.content.decode()
    other = Client()
    assert log_in(other, world.viewer.username, PASSWORD).status_code == 302  # someone else is not locked out
    elsewhere = Client(REMOTE_ADDR="10.0.0.9")
    assert log_in(elsewhere, world.editor.username, PASSWORD).status_code == 302  # nor that name elsewhere


def test_a_password_longer_than_the_bound_is_refused_before_hashing(world):
    client = Client()
    response = log_in(client, world.editor.username, "x" * (PASSWORD_MAX + 1))
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert f"at most {PASSWORD_MAX} characters" in response.content.decode()
    signup = client.post(
        "/accounts/signup/",
        {"username": "longpass", "password1": "y" * 200, "password2": "y" * 200},
    )
    assert signup.status_code == 400 and f"at most {PASSWORD_MAX} characters" in signup.content.decode()


@pytest.mark.parametrize("name", ["Evil\u202etxt.exe", "Two\nlines", "Nul\x00", "Bell\x07", "Isolate\u2066x"])
def test_names_with_control_or_bidi_characters_are_refused_and_nothing_changes(world, as_user, name):
    before = snapshot()
    client = as_user(world.owner, htmx=True)
    for url, data in (
        (burl(world, "board-rename"), {"name": name}),
        (burl(world, "pipeline-rename", world.todo.pk), {"name": name}),
        (burl(world, "card-create", world.todo.pk), {"title": name}),
    ):
        response = client.post(url, data)
        assert response.status_code == 400, url
        assert response["X-LiveBoard-Message"]
    assert snapshot() == before


def test_board_pages_are_kept_by_no_cache(world, as_user):
    response = as_user(world.viewer).get(b(world))
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_the_csrf_cookie_is_out_of_scripts_reach(world):
    assert settings.CSRF_COOKIE_HTTPONLY
    response = Client().get("/accounts/login/")
    assert response.cookies[settings.CSRF_COOKIE_NAME]["httponly"]


def test_pages_carry_a_content_security_policy_with_the_inline_styles_nonce(world, as_user):
    response = as_user(world.viewer).get(b(world))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy and "frame-ancestors 'none'" in policy
    nonce = policy.split("'nonce-")[1].split("'")[0]
    assert f'<style nonce="{nonce}">' in response.content.decode()


def log_in_to_admin(client: Client, username: str, password: str):
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password, "next": "/admin/"})


def test_the_admin_login_pauses_after_five_failures_like_the_sites_and_counts_with_it(world):
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_superuser("root", "root@example.com", PASSWORD)
    client = Client()
    for _ in range(3):
        assert log_in_to_admin(client, "root", "wrong password").status_code == 200  # the form again
    for _ in range(2):
        assert log_in(client, "root", "wrong password").status_code == 200  # the site's login: the same count
    refused = log_in_to_admin(client, "root", PASSWORD)  # even the right one, for now
    assert refused.status_code == 200 and "_auth_user_id" not in client.session
    assert "Too many failed attempts: try again in 15 minutes." in refused.content.decode()
    assert "Too many failed attempts" in log_in(client, "root", PASSWORD).content.decode()  # and on the site's
    elsewhere = Client(REMOTE_ADDR="10.0.0.9")
    assert log_in_to_admin(elsewhere, "root", PASSWORD).status_code == 302  # that name from elsewhere may
    assert elsewhere.get("/admin/").status_code == 200


def test_the_admin_login_still_refuses_people_who_are_not_staff(world):
    client = Client()
    response = log_in_to_admin(client, world.editor.username, PASSWORD)
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert "staff account" in response.content.decode()
