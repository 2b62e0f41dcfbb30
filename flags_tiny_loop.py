"""Download the 20 flags with `async def` and `await` on the tiny loop: no asyncio at all.

Each download is a coroutine run by a tiny_loop.Task; it awaits the loop's futures for "the
socket is writable" (connected) and "readable" (bytes arrived), each with the deadline of the
whole request. Needs the course's flag server (python -m flagserver).
Usage: python flags_tiny_loop.py [CC ...]  (the 20 codes of flags_seq.py by default)
Sample run:

    $ python flags_tiny_loop.py
    CN IN US ID BR PK NG BD RU JP MX PH VN ET EG DE IR TR CD FR
    20 downloads in 0.04s
    tiny loop: 45 iterations, 44 select() calls; woke 20 writable, 40 readable, 0 timer
"""

import errno
import os
import selectors
import socket

from raw_socket_flag import (
    BASE_URL,
    BUFSIZE,
    TIMEOUT,
    FlagsError,
    HttpAnswer,
    NoServer,
    flag_from,
    flag_url,
    main,
    request_for,
    save_flag,
)
from tiny_loop import Loop, run


async def get_flag(loop: Loop, cc: str) -> bytes:
    url = flag_url(cc)
    host, port, request = request_for(url)
    deadline = loop.time() + TIMEOUT  # for the whole request: connect, send, every read
    answer = HttpAnswer(url)
    with socket.socket() as sock:
        sock.setblocking(False)
        sock.connect_ex((host, port))  # starts connecting, returns at once
        await loop.wait_for(sock, selectors.EVENT_WRITE, deadline)  # connected (or refused)
        if failed := sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
            if failed == errno.ECONNREFUSED:
                raise NoServer(
                    f"No flag server at {BASE_URL}: start one with `python -m flagserver`"
                )
            raise OSError(failed, os.strerror(failed))
        sock.send(request)  # a few dozen bytes: they fit in the socket's buffer
        while True:
            await loop.wait_for(sock, selectors.EVENT_READ, deadline)  # bytes arrived
            if answer.feed(sock.recv(BUFSIZE)):
                return flag_from(answer)


async def download_one(loop: Loop, cc: str) -> str:
    try:
        image = await get_flag(loop, cc)
    except TimeoutError:
        raise FlagsError(
            f"The flag server at {BASE_URL} did not answer within {TIMEOUT} s"
        ) from None
    except OSError as error:  # reset by the peer...
        raise FlagsError(f"Lost the flag server at {BASE_URL}: {error}") from None
    save_flag(image, f"{cc.lower()}.gif")
    print(cc, end=" ", flush=True)
    return cc


async def supervisor(loop: Loop, cc_list: list[str]) -> int:
    tasks = [loop.create_task(download_one(loop, cc)) for cc in cc_list]  # all start at once
    for task in tasks:
        await task  # the first failure stops the run: the loop closes the others' sockets
    return len(tasks)


def download_many(cc_list: list[str]) -> int:
    loop = Loop()
    count = run(supervisor(loop, cc_list), loop)
    woke = ", ".join(f"{loop.woke[what]} {what}" for what in ("writable", "readable", "timer"))
    print(
        f"\ntiny loop: {loop.iterations} iterations, {loop.selects} select() calls; woke {woke}",
        end="",
    )
    return count


if __name__ == "__main__":
    main(download_many)
