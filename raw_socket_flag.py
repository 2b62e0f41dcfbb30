"""HTTP by hand over a plain socket: the request written byte by byte, the answer parsed.

No HTTP library: `socket` sends the request line and headers, reads the answer's head up to
the blank line, then exactly Content-Length bytes of body. Downloads the flags one after
another (the sequential baseline). Needs the course's flag server (python -m flagserver).
Usage: python raw_socket_flag.py [CC ...]  (the 20 codes of flags_seq.py by default)
Sample run:

    $ python raw_socket_flag.py
    BD BR CD CN DE EG ET FR ID IN IR JP MX NG PH PK RU TR US VN
    20 downloads in 0.09s
"""

import socket
import sys
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from flags_seq import BASE_URL, DEST_DIR, GIF_SIGNATURES, POP20_CC, TIMEOUT, FlagsError, save_flag

BUFSIZE = 64 * 1024  # bytes asked from the socket at a time
USAGE = "usage: python {} [CC ...]  (two-letter codes; FLAGS_BASE_URL picks the server)"


class NoServer(FlagsError):
    """Nothing accepts connections at the address: the server is not running."""


def flag_url(cc: str) -> str:
    cc = cc.lower()
    return f"{BASE_URL}/{cc}/{cc}.gif"


def request_for(url: str) -> tuple[str, int, bytes]:
    """(host, port, the bytes of a GET request for url): HTTP/1.1 written by hand."""
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        raise FlagsError(f"Only plain http:// URLs work over a raw socket: {url!r}")
    request = f"GET {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\nConnection: close\r\n\r\n"
    return parts.hostname, parts.port or 80, request.encode("ascii")


class HttpAnswer:
    """One HTTP answer, fed as its bytes arrive: the head up to a blank line, then the body."""

    def __init__(self, url: str) -> None:
        self.url, self.data = url, b""
        self.status, self.length, self.body_start = 0, -1, -1

    def feed(self, chunk: bytes) -> bool:
        """Take the next bytes the socket gave (b"" when it closed); True once complete."""
        if not chunk:
            got = len(self.data) - max(self.body_start, 0)
            raise FlagsError(f"The server closed the connection early: {got} bytes of {self.url}")
        self.data += chunk
        if self.body_start < 0 and b"\r\n\r\n" in self.data:
            self.parse_head(self.data.partition(b"\r\n\r\n")[0])
        return self.body_start >= 0 and len(self.data) - self.body_start >= self.length

    def parse_head(self, head: bytes) -> None:
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        headers = dict(line.lower().partition(":")[::2] for line in header_lines)
        try:
            self.status = int(status_line.split()[1])
            self.length = int(headers["content-length"])
        except (IndexError, KeyError, ValueError):
            raise FlagsError(f"Not an HTTP answer with a Content-Length: {self.url}") from None
        self.body_start = len(head) + 4

    @property
    def body(self) -> bytes:
        return self.data[self.body_start : self.body_start + self.length]


def flag_from(answer: HttpAnswer) -> bytes:
    """The GIF in a complete answer, or FlagsError with the status and the server's reason."""
    if answer.status != 200:
        reason = answer.body.decode("utf-8", "replace").strip()[:200]
        raise FlagsError(f"HTTP {answer.status} for {answer.url}: {reason}")
    if not answer.body.startswith(GIF_SIGNATURES):
        raise FlagsError(f"Not a GIF at {answer.url}: the body starts with {answer.body[:6]!r}")
    return answer.body


def get_flag(cc: str) -> bytes:
    """Download one flag: connect, send, read until the answer is complete, within TIMEOUT."""
    url = flag_url(cc)
    host, port, request = request_for(url)
    deadline = time.monotonic() + TIMEOUT
    answer = HttpAnswer(url)
    try:
        with socket.create_connection((host, port), timeout=TIMEOUT) as sock:
            sock.sendall(request)
            while True:
                sock.settimeout(max(deadline - time.monotonic(), 0.001))  # for the whole answer
                if answer.feed(sock.recv(BUFSIZE)):
                    return flag_from(answer)
    except ConnectionRefusedError:
        raise NoServer(
            f"No flag server at {BASE_URL}: start one with `python -m flagserver`"
        ) from None
    except TimeoutError:
        raise FlagsError(
            f"The flag server at {BASE_URL} did not answer within {TIMEOUT} s"
        ) from None
    except OSError as error:  # reset by the peer, no route to host...
        raise FlagsError(f"Lost the flag server at {BASE_URL}: {error}") from None


def download_many(cc_list: list[str]) -> int:
    for cc in sorted(cc_list):
        save_flag(get_flag(cc), f"{cc.lower()}.gif")
        print(cc, end=" ", flush=True)
    return len(cc_list)


def main(downloader: Callable[[list[str]], int]) -> None:
    codes = [cc.upper() for cc in sys.argv[1:]] or POP20_CC
    if not all(len(cc) == 2 and cc.isalpha() and cc.isascii() for cc in codes):
        sys.exit(USAGE.format(sys.argv[0]))
    try:
        DEST_DIR.mkdir(exist_ok=True)
        t0 = time.perf_counter()
        count = downloader(codes)
    except FlagsError as error:
        sys.exit(f"\n{error}" if not isinstance(error, NoServer) else str(error))
    except OSError as error:  # a read-only or full disk
        sys.exit(f"\nCannot save the flags in {DEST_DIR}/: {error}")
    elapsed = time.perf_counter() - t0
    print(f"\n{count} downloads in {elapsed:.2f}s")


if __name__ == "__main__":
    main(download_many)
