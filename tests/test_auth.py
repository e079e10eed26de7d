"""board/auth.py: the session and user every request reads, with Django's own rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from board.auth import ModelBackend, SessionStore
from tests.conftest import make_user


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def logged_in(user, backend: str = "board.auth.ModelBackend") -> SessionStore:
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
def test_a_stored_session_is_read_back_and_an_expired_or_unknown_one_is_empty():
    user = make_user("sally")
    session = logged_in(user)
    assert SessionStore(session.session_key).load()[SESSION_KEY] == str(user.pk)
    Session.objects.filter(pk=session.session_key).update(expire_date=timezone.now() - timedelta(seconds=1))
    expired = SessionStore(session.session_key)
    assert expired.load() == {} and expired.session_key is None
    assert SessionStore("x" * 32).load() == {}


@pytest.mark.django_db
def test_the_session_logs_its_user_in_until_the_password_changes():
    user = make_user("sally")
    session = logged_in(user)
    assert page_user(session.session_key) == "sally"
    user.set_password("a whole new secret")
    user.save()
    assert page_user(session.session_key) == "anonymous"


@pytest.mark.django_db
def test_sessions_logged_in_by_djangos_own_backend_still_work():
    user = make_user("sally")
    session = logged_in(user, backend="django.contrib.auth.backends.ModelBackend")
    assert page_user(session.session_key) == "sally"


@pytest.mark.django_db
@pytest.mark.parametrize("user_id", ["not a number", "", None, "999999"])
def test_the_backend_finds_nobody_for_a_bad_or_missing_id(user_id):
    make_user("sally")
    assert ModelBackend().get_user(user_id) is None


@pytest.mark.django_db
def test_the_backend_finds_an_active_user_and_refuses_an_inactive_one():
    user = make_user("sally")
    assert ModelBackend().get_user(str(user.pk)) == user
    user.is_active = False
    user.save()
    assert ModelBackend().get_user(str(user.pk)) is None


@pytest.mark.django_db
def test_the_backend_loads_the_user_as_the_orm_does_with_aware_datetimes():
    user = make_user("sally")
    user.last_login = datetime(2026, 11, 21, 9, 30, 15, 250000, tzinfo=UTC)
    user.first_name, user.is_staff = "Sally", True
    user.save()
    found = ModelBackend().get_user(str(user.pk))
    expected = get_user_model().objects.get(pk=user.pk)
    fields = [f.attname for f in get_user_model()._meta.concrete_fields]
    assert [getattr(found, f) for f in fields] == [getattr(expected, f) for f in fields]
    assert found.last_login.tzinfo is not None and found.date_joined.tzinfo is not None
    assert found._state.adding is False and found._state.db == "default"
