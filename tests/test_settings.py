"""Settings: each deployment on a shared Redis keeps its broadcasts and cache keys to itself."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import pytest
from asgiref.sync import async_to_sync
from django.core.cache.backends.redis import RedisCache

from board.live.protocol import group_name
from project.settings import deployment_prefix, redis_layers
from tests.servers import ROOT

SQLITE = {"ENGINE": "django.db.backends.sqlite3", "NAME": "/srv/a/db.sqlite3"}
POSTGRES = {"ENGINE": "django.db.backends.postgresql", "HOST": "db", "PORT": 5432, "NAME": "liveboard"}


def test_deployments_on_different_databases_or_keys_get_different_prefixes():
    prefixes = {
        deployment_prefix("", SQLITE, "key-1"),
        deployment_prefix("", {**SQLITE, "NAME": "/srv/b/db.sqlite3"}, "key-1"),
        deployment_prefix("", POSTGRES, "key-1"),
        deployment_prefix("", {**POSTGRES, "NAME": "liveboard_staging"}, "key-1"),
        deployment_prefix("", {**POSTGRES, "HOST": "db2"}, "key-1"),
        deployment_prefix("", POSTGRES, "key-2"),  # same database name on another machine
    }
    assert len(prefixes) == 6
    assert all(p.startswith("lb-") and "key" not in p for p in prefixes)  # the key itself is not shown


def test_processes_of_one_deployment_agree_and_a_named_prefix_wins():
    assert deployment_prefix("", POSTGRES, "k") == deployment_prefix("", dict(POSTGRES), "k")
    assert deployment_prefix(" team-a ", POSTGRES, "k") == "team-a"


def settings_prefix(**env: str) -> str:
    """The DEPLOYMENT a process started with this environment computes."""
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SQLITE_PATH", "LIVEBOARD_DEPLOYMENT"}}
    script = "from django.conf import settings; print(settings.DEPLOYMENT)"
    done = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {script}"],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "project.settings", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def test_the_default_prefix_follows_the_database_setting():
    one = settings_prefix(DATABASE_URL="postgres://u@db:5432/one")
    assert one == settings_prefix(DATABASE_URL="postgres://u@db:5432/one")
    assert one != settings_prefix(DATABASE_URL="postgres://u@db:5432/two")
    assert settings_prefix(DATABASE_URL="postgres://u@db:5432/one", LIVEBOARD_DEPLOYMENT="blue") == "blue"


@pytest.mark.redis
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL")
def test_two_deployments_on_one_redis_never_see_each_others_boards():
    from channels_redis.pubsub import RedisPubSubChannelLayer

    url = os.environ["REDIS_URL"]
    # Two deployments, each with its own database, on one Redis server (even one database number).
    prefixes = [deployment_prefix("", {**POSTGRES, "NAME": name}, "same-dev-key") for name in ("one", "two")]
    configs = [redis_layers(url, prefix) for prefix in prefixes]
    group = group_name(7)  # a board of the same id in both

    async def scenario():
        # Deployment one has two processes (0 and 2), deployment two one (1).
        layers = [RedisPubSubChannelLayer(**configs[i][0]["default"]["CONFIG"]) for i in (0, 1, 0)]
        received: list[list[str]] = [[], [], []]

        async def listen(process: int, channel: str) -> None:
            # One receive at a time, never cancelled midway: a cancelled receive unsubscribes.
            while True:
                received[process].append((await layers[process].receive(channel))["html"])

        async def until(condition) -> None:
            for _ in range(100):
                if condition():
                    return
                await asyncio.sleep(0.05)
            raise AssertionError(f"not delivered: {received}")

        channels = [await layer.new_channel("hub.") for layer in layers]
        for layer, channel in zip(layers, channels, strict=True):
            await layer.group_add(group, channel)
        listeners = [asyncio.create_task(listen(i, channel)) for i, channel in enumerate(channels)]
        try:
            message = {"type": "board.fragments", "board": 7, "version": 1, "origin": ""}
            await layers[0].group_send(group, {**message, "html": "<p>one</p>"})
            await until(lambda: received[0] and received[2])  # every process of its deployment
            await layers[1].group_send(group, {**message, "html": "<p>two</p>"})
            await until(lambda: received[1])
            await asyncio.sleep(0.5)  # anything misrouted would have arrived by now
            assert received == [["<p>one</p>"], ["<p>two</p>"], ["<p>one</p>"]]
        finally:
            for task in listeners:
                task.cancel()
            await asyncio.gather(*listeners, return_exceptions=True)
            for layer in layers:
                await layer.flush()

    async_to_sync(scenario)()

    caches = [RedisCache(url, cache["fragments"]) for _, cache in configs]
    try:
        caches[0].set("card-7", "<li>one</li>")
        assert caches[0].get("card-7") == "<li>one</li>"
        assert caches[1].get("card-7") is None
    finally:
        for cache in caches:
            cache.delete("card-7")
