import socket

import pytest
from pytest_socket import SocketBlockedError


def test_a_connection_to_another_host_fails_the_test():
    # 192.0.2.1 is TEST-NET-1 (documentation only); the guard refuses before any packet leaves.
    # pytest-socket warns, then raises; under filterwarnings=error the warning is the error.
    blocked = (SocketBlockedError, UserWarning)
    with pytest.raises(blocked), socket.create_connection(("192.0.2.1", 80), 0.1):
        pass


def test_connections_to_this_machine_are_allowed():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    with server, socket.create_connection(server.getsockname(), 1):
        pass
