"""Download the 20 flags at once in one thread: non-blocking sockets, a selector, callbacks.

No asyncio: each socket is registered with selectors.DefaultSelector together with the function
to call when it is ready; the loop in download_many asks select() what is ready and calls it.
The steps of one download are callbacks nested in each other: connected -> send -> read.
Needs the course's flag server (python -m flagserver).
Usage: python flags_selectors.py [CC ...]  (the 20 codes of flags_seq.py by default)
Sample run:

    $ python flags_selectors.py
    CN IN US ID BR PK NG BD RU JP MX PH VN ET EG DE IR TR CD FR
    20 downloads in 0.03s
"""

import errno
import os
import selectors
import socket
import time

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


def start_download(selector: selectors.BaseSelector, cc: str, done: list[str]) -> None:
    """Start connecting; what follows happens in the callbacks, when select() says so."""
    url = flag_url(cc)
    host, port, request = request_for(url)
    answer = HttpAnswer(url)
    sock = socket.socket()
    sock.setblocking(False)
    try:
        sock.connect_ex((host, port))  # returns at once: connecting goes on without us
    except OSError as error:  # a host name that does not resolve...
        sock.close()
        raise FlagsError(f"Lost the flag server at {BASE_URL}: {error}") from None

    def on_connected() -> None:
        if failed := sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
            if failed == errno.ECONNREFUSED:
                raise NoServer(
                    f"No flag server at {BASE_URL}: start one with `python -m flagserver`"
                )
            raise FlagsError(f"Lost the flag server at {BASE_URL}: {os.strerror(failed)}")
        try:
            sock.send(request)  # a few dozen bytes: they fit in the socket's buffer
        except OSError as error:  # reset by the peer...
            raise FlagsError(f"Lost the flag server at {BASE_URL}: {error}") from None

        def on_readable() -> None:  # a callback inside a callback: "callback hell" starts here
            try:
                chunk = sock.recv(BUFSIZE)
            except OSError as error:  # reset by the peer...
                raise FlagsError(f"Lost the flag server at {BASE_URL}: {error}") from None
            if answer.feed(chunk):
                selector.unregister(sock)
                sock.close()
                save_flag(flag_from(answer), f"{cc.lower()}.gif")
                print(cc, end=" ", flush=True)
                done.append(cc)

        selector.modify(sock, selectors.EVENT_READ, on_readable)

    selector.register(sock, selectors.EVENT_WRITE, on_connected)


def download_many(cc_list: list[str]) -> int:
    selector = selectors.DefaultSelector()
    done: list[str] = []
    deadline = time.monotonic() + TIMEOUT  # for all the downloads together
    try:
        for cc in cc_list:
            start_download(selector, cc, done)
        while selector.get_map():  # some socket is still waiting
            events = selector.select(deadline - time.monotonic())
            if not events:
                raise FlagsError(f"The flag server at {BASE_URL} did not answer within {TIMEOUT} s")
            for key, _ in events:
                key.data()  # the callback registered with this socket
    finally:
        for key in list(selector.get_map().values()):  # after a failure: close the others
            key.fileobj.close()
        selector.close()
    return len(done)


if __name__ == "__main__":
    main(download_many)
