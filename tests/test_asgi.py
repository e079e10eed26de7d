"""The ASGI entry point's process setup."""

from __future__ import annotations

import platform

import pytest

from project.asgi import map_large_buffers


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="a glibc setting")
def test_large_buffers_get_their_own_mappings_on_glibc():
    assert map_large_buffers() is True


def test_an_explicit_malloc_setting_is_left_alone(monkeypatch):
    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "131072")
    assert map_large_buffers() is False
