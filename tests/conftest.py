"""Shared fixtures: a real flag server on a free port, and a raw HTTP client for odd paths."""

import asyncio

import pytest

from flagserver import start_server
from flagserver.launcher import free_port  # noqa: F401  (the tests import it from here)

COURSE_CODES = "CN IN US ID BR PK NG BD RU JP MX PH VN ET EG DE IR TR CD FR".lower().split()


@pytest.fixture(scope="session")
def flag_server():
    """A real flag server (uvicorn in a child process) on a free port for the whole session."""
    server = start_server(port=0, quiet=True)
    yield server
    server.stop()


async def raw_get_async(port: int, target: str) -> tuple[int, bytes, bytes]:
    """Send the request target exactly as given (no client-side normalisation of '..').

    Returns (status, head, body).
    """
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    request = f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    writer.write(request.encode("latin-1"))
    await writer.drain()
    data = await reader.read()
    writer.close()
    await writer.wait_closed()
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, head, body


def raw_get(port: int, target: str) -> tuple[int, bytes, bytes]:
    return asyncio.run(raw_get_async(port, target))
