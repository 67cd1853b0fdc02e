"""The simulator's connections run with Nagle off, as a provider's would."""

from __future__ import annotations

import http.client
import socket

from vidbench.core.sim.server import SimServer


def test_served_sockets_say_tcp_so_asyncio_sets_nodelay() -> None:
    """With proto 0, asyncio leaves Nagle on and each response waits ~40 ms for an ACK."""
    with SimServer() as sim:
        assert sim._server is not None
        listening = [s for server in sim._server.servers for s in server.sockets]
        assert listening and all(s.proto == socket.IPPROTO_TCP for s in listening)
        connection = http.client.HTTPConnection("127.0.0.1", sim.port, timeout=10)
        for _ in range(3):  # keep-alive requests on one connection are answered
            connection.request("GET", "/_sim/stats")
            assert connection.getresponse().read()
        connection.close()
