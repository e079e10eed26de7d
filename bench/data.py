"""The bench's own database, settings and data: users, session cookies and boards.

The bench process configures Django with the same environment its daphne children get
(production-like: DEBUG off, a random SECRET_KEY, ALLOWED_HOSTS=127.0.0.1), migrates a
fresh SQLite file in a temporary directory (or a fresh database on the PostgreSQL server
of DATABASE_URL), and writes the data straight into it: bulk inserts, as loading 2,000
users through the services would take longer than the measurements.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import urllib.parse
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from bench.procs import ROOT

# Bench boards get ids far from what tests create: a Redis shared with a test run
# must never carry one's broadcasts to the other's group.
BOARD_ID_BASE = 7_000_000

WORDS = (
    "login redirect onboarding export invoice search filter mobile layout keyboard dark mode cache "
    "timeout billing email digest avatar upload retry webhook audit report import sync offline draft"
).split()


@dataclass
class Database:
    env: dict[str, str]  # SQLITE_PATH or DATABASE_URL for the children
    label: str
    drop_url: str = ""  # PostgreSQL: the maintenance URL to drop the bench database from
    name: str = ""


def make_database(tmp: Path) -> Database:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        return Database({"SQLITE_PATH": str(tmp / "bench.sqlite3")}, "SQLite (temporary file)")
    import psycopg

    name = f"liveboard_bench_{os.getpid()}"
    parts = urllib.parse.urlsplit(url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    bench_url = urllib.parse.urlunsplit(parts._replace(path="/" + name))
    return Database({"DATABASE_URL": bench_url}, f"PostgreSQL (database {name})", drop_url=url, name=name)


def drop_database(db: Database) -> None:
    if not db.drop_url:
        return
    import psycopg

    with psycopg.connect(db.drop_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db.name}" WITH (FORCE)')


def child_env(db: Database, secret_key: str, **extra: str) -> dict[str, str]:
    """Environment of the bench's Django (itself, migrate, daphne): production-like settings."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SQLITE_PATH", "REDIS_URL"}}
    env.update(db.env)
    env.update(
        DJANGO_SETTINGS_MODULE="project.settings",
        DEBUG="0",
        SECRET_KEY=secret_key,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
        # The README's production allocator setting (glibc): large transient buffers get
        # their own mappings, returned when freed.
        MALLOC_MMAP_THRESHOLD_=os.environ.get("MALLOC_MMAP_THRESHOLD_", "65536"),
    )
    env.update(extra)
    return env


def migrate_and_setup(env: dict[str, str]) -> None:
    """`manage.py migrate` into the bench database, then set up Django here with the same env."""
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True, timeout=300
    )
    for key in ("DATABASE_URL", "SQLITE_PATH", "REDIS_URL"):
        os.environ.pop(key, None)
    os.environ.update(env)
    import django

    django.setup()


@dataclass
class Layout:
    board_id: int
    pipelines: list[int]
    cards: dict[int, list[int]]  # pipeline id -> card ids in order


@dataclass
class World:
    owner_cookie: str
    observer_cookie: str
    member_cookies: list[str]
    fanout: Layout
    sizes: Layout
    big: Layout
    small: Layout
    long: Layout  # two pipelines of 500 cards: a move must cost what it costs in a short one
    huge: Layout  # 20 pipelines of 250 cards: 5000, Trello's limit per board


def _title(n: int) -> str:
    words = [WORDS[(n * 7 + i * 13) % len(WORDS)] for i in range(3 + n % 4)]
    return f"#{n} " + " ".join(words).capitalize()


def _description(n: int) -> str:
    if n % 3:
        return ""
    return f"Steps to reproduce:\n1. Open the board\n2. Try **{WORDS[n % len(WORDS)]}**\n\nSeen on {n % 5 + 2} devices."


def _board(index: int, name: str, owner, n_pipelines: int, n_cards: int, editors: list, counter: list[int]) -> Layout:
    from board.models import Board, Card, Membership, Pipeline, Role
    from board.search import card_text
    from board.services.ranks import STEP

    board = Board.objects.create(id=BOARD_ID_BASE + index, name=name, owner=owner, version=1)
    Membership.objects.bulk_create([Membership(board=board, user=u, role=Role.EDITOR) for u in editors], 500)
    pipelines = Pipeline.objects.bulk_create(
        [Pipeline(board=board, name=f"Stage {p + 1}", position=(p + 1) * STEP) for p in range(n_pipelines)]
    )
    cards = []
    for pipeline in pipelines:
        for position in range(n_cards):
            counter[0] += 1
            n = counter[0]
            cards.append(
                Card(
                    board=board,
                    pipeline=pipeline,
                    title=_title(n),
                    description=_description(n),
                    search=card_text(_title(n), _description(n)),  # as card_create stores it for the filter
                    position=(position + 1) * STEP,
                    updated_by=owner,  # as card_create records its author
                )
            )
    Card.objects.bulk_create(cards, 500)
    layout: dict[int, list[int]] = {p.pk: [] for p in pipelines}
    for card in Card.objects.filter(board=board).order_by("pipeline__position", "position"):
        layout[card.pipeline_id].append(card.pk)
    return Layout(board.pk, [p.pk for p in pipelines], layout)


def session_cookies(users) -> list[str]:
    """A real, signed database session per user, as logging in makes one."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.base import VALID_KEY_CHARS
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    store = SessionStore()
    expires = timezone.now() + timedelta(days=1)
    rows, cookies = [], []
    for user in users:
        key = get_random_string(32, VALID_KEY_CHARS)
        data = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: settings.AUTHENTICATION_BACKENDS[0],
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
        rows.append(Session(session_key=key, session_data=store.encode(data), expire_date=expires))
        cookies.append(f"{settings.SESSION_COOKIE_NAME}={key}")
    Session.objects.bulk_create(rows, 500)
    return cookies


def build(*, people: int, sockets: int) -> World:
    """An owner, an observer, `people` members of the fan-out board, and `sockets` sessions of those
    members (socket i is member i mod `people`: each its own login, as separate devices or tabs)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    users = get_user_model()
    unusable = make_password(None)  # nobody logs in with a password: sessions are made directly
    with transaction.atomic():
        owner = users.objects.create(username="bench-owner", password=unusable)
        observer = users.objects.create(username="bench-observer", password=unusable)
        users.objects.bulk_create([users(username=f"bench-{i:05d}", password=unusable) for i in range(people)], 500)
        members = list(users.objects.filter(username__startswith="bench-0").order_by("username"))
        counter = [0]
        fanout = _board(1, "Fan-out", owner, 8, 25, members, counter)
        sizes = _board(2, "Sizes", owner, 8, 25, [observer], counter)
        big = _board(3, "Big board", owner, 20, 50, [observer], counter)
        small = _board(4, "Small board", owner, 2, 5, [observer], counter)
        long = _board(5, "Long pipelines", owner, 2, 500, [observer], counter)
        huge = _board(6, "Huge board", owner, 20, 250, [observer], counter)
        cookies = session_cookies([owner, observer, *(members[i % people] for i in range(sockets))])
    return World(cookies[0], cookies[1], cookies[2:], fanout, sizes, big, small, long, huge)


def new_secret() -> str:
    return secrets.token_urlsafe(50)
