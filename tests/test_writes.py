"""project/writes.py: a TCP write goes out at once when nothing is queued, in order otherwise."""

from __future__ import annotations

import socket

import pytest
from twisted.internet import abstract, error, tcp

from project import writes


class Reactor:
    """What a connection asks of its reactor when it has to wait to write."""

    def __init__(self) -> None:
        self.writers: set = set()
        self.registered = 0

    def addWriter(self, writer) -> None:  # noqa: N802 - Twisted's name
        self.writers.add(writer)
        self.registered += 1

    def removeWriter(self, writer) -> None:  # noqa: N802 - Twisted's name
        self.writers.discard(writer)


class Connection(tcp.Connection):
    def __init__(self, skt: socket.socket, reactor: Reactor) -> None:
        super().__init__(skt, protocol=None, reactor=reactor)
        self.connected = 1


@pytest.fixture
def pair():
    ours, peer = socket.socketpair()
    reactor = Reactor()
    connection = Connection(ours, reactor)
    peer.settimeout(5)
    yield connection, peer, reactor
    ours.close()
    peer.close()


def read_all(peer: socket.socket, size: int) -> bytes:
    got = b""
    while len(got) < size:
        got += peer.recv(size - len(got))
    return got


def test_the_server_writes_at_once():
    import project.asgi  # noqa: F401 - installs it

    assert abstract.FileDescriptor.write is writes.write_at_once
    assert writes.install()


def test_a_write_with_nothing_queued_is_sent_without_waiting_for_the_reactor(pair):
    connection, peer, reactor = pair
    writes.write_at_once(connection, b"frame one")
    assert read_all(peer, 9) == b"frame one"
    assert reactor.registered == 0 and not connection._tempDataBuffer


def test_what_the_kernel_does_not_take_is_queued_and_sent_after_it_in_order(pair):
    connection, peer, reactor = pair
    big = bytes(range(256)) * 40_000  # far more than a socket buffer holds
    writes.write_at_once(connection, big)
    assert reactor.writers == {connection}  # the rest waits for the reactor, as Twisted does
    writes.write_at_once(connection, b"after")  # something is queued: this goes behind it
    assert connection._tempDataBuffer[-1] == b"after"
    received = b""
    while len(received) < len(big) + 5:
        connection.doWrite()
        received += peer.recv(1 << 20)
    assert received == big + b"after"
    assert reactor.writers == set()


def test_a_write_to_a_connection_whose_peer_is_gone_is_queued_for_the_reactor_to_report(pair):
    connection, peer, reactor = pair
    peer.close()
    writes.write_at_once(connection, b"x" * 10)
    for _ in range(3):  # the first send may still succeed into the buffer
        writes.write_at_once(connection, b"y" * 300_000)
        if reactor.writers:
            break
    assert reactor.writers == {connection}
    assert isinstance(connection.doWrite(), error.ConnectionLost)


def test_a_write_after_the_write_side_closed_sends_nothing_and_a_string_is_refused(pair):
    connection, peer, reactor = pair
    connection._writeDisconnected = True
    writes.write_at_once(connection, b"late")
    peer.settimeout(0.1)
    with pytest.raises(TimeoutError):
        peer.recv(10)
    connection._writeDisconnected = False
    with pytest.raises(TypeError):
        writes.write_at_once(connection, "text")
