"""The README's backup and restore commands: a board dumped, restored into another database, and served from it."""

from __future__ import annotations

import shutil
import subprocess
import urllib.parse
import urllib.request

import pytest
from django.db import connection

from tests import servers
from tests.pages import Page, board_order

pytestmark = pytest.mark.django_db(transaction=True)


def served_board(base_url: str, board_id: int, cookie: str) -> Page:
    request = urllib.request.Request(f"{base_url}/b/{board_id}/", headers={"Cookie": cookie})
    with urllib.request.urlopen(request, timeout=20) as response:
        return Page(response.read().decode())


def pg_url(name: str) -> str:
    """This test run's PostgreSQL server (DATABASE_URL), another database on it."""
    url = urllib.parse.urlsplit(servers.server_env()["DATABASE_URL"])
    return urllib.parse.urlunsplit(url._replace(path="/" + name))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's backup (CI's second run has DATABASE_URL)")
@pytest.mark.skipif(shutil.which("pg_dump") is None, reason="pg_dump is not installed (Debian: postgresql-client)")
def test_pg_dump_and_pg_restore_bring_back_the_board_as_it_was(world, tmp_path):
    cookie = servers.session_cookie(world.owner)  # a session: restored with the rest
    dump = tmp_path / "liveboard.dump"
    source = connection.settings_dict["NAME"]
    scratch = f"{source}_restored"
    subprocess.run(["pg_dump", "--format=custom", f"--file={dump}", pg_url(source)], check=True)
    admin = pg_url("postgres")
    subprocess.run(["psql", admin, "-qc", f'DROP DATABASE IF EXISTS "{scratch}"'], check=True)
    subprocess.run(["psql", admin, "-qc", f'CREATE DATABASE "{scratch}"'], check=True)
    try:
        subprocess.run(["pg_restore", "--no-owner", f"--dbname={pg_url(scratch)}", str(dump)], check=True)
        with servers.daphne(extra={"DATABASE_URL": pg_url(scratch)}) as base_url:
            restored = served_board(base_url, world.board.pk, cookie)
        assert restored.shown == world.board.version
        assert list(restored.order().items()) == list(board_order(world.board).items())
        assert sum(len(cards) for cards in restored.order().values()) == len(world.cards)
    finally:
        subprocess.run(["psql", admin, "-qc", f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'], check=True)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's backup (the run without DATABASE_URL)")
@pytest.mark.skipif(shutil.which("sqlite3") is None, reason="the sqlite3 command is not installed (Debian: sqlite3)")
def test_sqlite_backup_command_makes_a_copy_that_serves_the_board(world, tmp_path):
    cookie = servers.session_cookie(world.owner)
    copy = tmp_path / "backup.sqlite3"
    subprocess.run(["sqlite3", str(connection.settings_dict["NAME"]), f".backup '{copy}'"], check=True)
    with servers.daphne(extra={"SQLITE_PATH": str(copy)}) as base_url:
        restored = served_board(base_url, world.board.pk, cookie)
    assert restored.shown == world.board.version
    assert list(restored.order().items()) == list(board_order(world.board).items())
