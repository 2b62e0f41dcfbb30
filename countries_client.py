"""A client of countries_server.py (asyncio streams): send each request, print each answer.

Sample run (with `python countries_server.py 8002` running):

    $ python countries_client.py 8002 cn br zz "PRIME 97"
    cn China 657
    br Brazil 1144
    ERROR unknown code 'zz'
    97 is prime
"""

import asyncio
import sys

HOST = "127.0.0.1"
TIMEOUT = 10  # seconds for the whole conversation


async def ask(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, line: str) -> str:
    """Send one request line, return the answer line without its newline."""
    writer.write(f"{line}\n".encode())
    await writer.drain()
    answer = await reader.readline()
    if not answer:
        raise ConnectionError("the server closed the connection")
    return answer.decode().rstrip("\n")


async def converse(port: int, lines: list[str]) -> list[str]:
    async with asyncio.timeout(TIMEOUT):  # one deadline for the whole conversation
        reader, writer = await asyncio.open_connection(HOST, port)
        try:
            return [await ask(reader, writer, line) for line in lines]
        finally:
            writer.close()
            await writer.wait_closed()


def main() -> None:
    if len(sys.argv) < 3 or not sys.argv[1].isdigit():
        sys.exit("usage: countries_client.py PORT REQUEST...")
    port, lines = int(sys.argv[1]), sys.argv[2:]
    try:
        answers = asyncio.run(converse(port, lines))
    except (OSError, TimeoutError) as error:  # refused, reset, closed, too slow
        sys.exit(f"No answer from {HOST}:{port}: {type(error).__name__} {error}".strip())
    print(*answers, sep="\n")


if __name__ == "__main__":
    main()
