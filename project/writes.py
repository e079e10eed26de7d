"""Daphne's TCP writes go out at once when nothing is queued, as asyncio's own transports do.

Twisted queues every write until the reactor's next turn: it registers the socket for
writing (asyncio's `add_writer`, an `epoll_ctl`), sends when the loop finds it writable,
then unregisters it (another `epoll_ctl`). A board broadcast writes one frame to each of
hundreds of idle sockets; sampled in daphne at 100 sockets, that registering and
unregistering took 2.5 times the `send` calls themselves, a third of the broadcast's work
in the server. Writing at once when the socket's queue is empty took the N=1000 fan-out
from 87-109 ms to 64-66 ms (the floor: 91-103 ms).

What is sent and in what order does not change: only a write that finds nothing queued
is tried at once; what the kernel does not take (or all of it, on an error) is queued
as before, and the reactor sends it, or reports the lost connection, as it always did.
"""

from __future__ import annotations

import logging

from twisted.internet import abstract, tcp

log = logging.getLogger(__name__)

queued_write = abstract.FileDescriptor.write  # Twisted's own: queue, then send on the reactor's next turn


def write_at_once(self: abstract.FileDescriptor, data: bytes) -> None:
    """`FileDescriptor.write` that first tries to send, for a TCP connection with nothing queued."""
    if (
        data.__class__ is bytes
        and data
        and isinstance(self, tcp.Connection)
        and self.connected
        and not self._writeDisconnected
        and not self._tempDataBuffer
        and self.offset == len(self.dataBuffer)
    ):
        sent = self.writeSomeData(data)  # 0 if the socket would block; an exception instance if lost
        if sent.__class__ is int and sent > 0:
            if sent == len(data):
                return
            data = data[sent:]
    queued_write(self, data)


# The parts of Twisted's FileDescriptor and tcp.Connection that write_at_once relies on.
_NEEDED = ("connected", "_writeDisconnected", "dataBuffer", "offset", "writeSomeData")


def install() -> bool:
    """Use write_at_once for every TCP connection of this process; False if Twisted changed shape."""
    if abstract.FileDescriptor.write is write_at_once:
        return True
    made_in_init = abstract.FileDescriptor.__init__.__code__.co_names
    if not all(hasattr(tcp.Connection, name) for name in _NEEDED) or "_tempDataBuffer" not in made_in_init:
        log.warning("Twisted's transports changed; writes stay queued until the reactor's next turn")
        return False
    abstract.FileDescriptor.write = write_at_once
    return True
