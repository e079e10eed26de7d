"""The ASGI entry point's process setup."""

from __future__ import annotations

import platform
import threading

import pytest

from project.asgi import map_large_buffers


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="a glibc setting")
def test_large_buffers_get_their_own_mappings_on_glibc():
    assert map_large_buffers() is True


def test_an_explicit_malloc_setting_is_left_alone(monkeypatch):
    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "131072")
    assert map_large_buffers() is False


def test_http_runs_middleware_and_view_in_one_call_on_a_worker_thread(monkeypatch):
    from asgiref.sync import async_to_sync
    from channels.testing import HttpCommunicator

    from project.asgi import SyncChainASGIHandler, application

    crossings = []
    original = SyncChainASGIHandler.get_response

    def counting(self, request):
        crossings.append(threading.current_thread())
        return original(self, request)

    monkeypatch.setattr(SyncChainASGIHandler, "get_response", counting)
    communicator = HttpCommunicator(application, "GET", "/accounts/login/", headers=[(b"host", b"testserver")])
    response = async_to_sync(communicator.get_response)()
    assert response["status"] == 200
    assert b'name="password"' in response["body"]
    assert len(crossings) == 1 and crossings[0] is not threading.main_thread()
