"""Reference solutions to the exercises of notebooks/08_servers_streams.ipynb.

Try the exercise first: the check cell under it tells you in one line whether your answer works.
tests/test_exercises.py proves that each function here passes the same check.
"""

import asyncio
from collections.abc import AsyncIterator

import httpx

from flagserver import load_countries

COUNTRIES = load_countries()  # {'cn': 'China', ...}


def find_reply(line: str) -> str:
    """'FIND guinea' -> 'gn gq gw pg': the codes whose country name contains the text."""
    command, _, text = line.strip().partition(" ")
    if command.upper() != "FIND" or not text:
        return "ERROR unknown command"
    found = sorted(cc for cc, name in COUNTRIES.items() if text.lower() in name.lower())
    return " ".join(found) if found else f"ERROR nothing found for {text!r}"


async def first_flags(
    client: httpx.AsyncClient, base_url: str, codes: list[str], limit: int
) -> AsyncIterator[str]:
    """Yield the first `limit` codes that have a flag, in the order of codes."""
    found = 0
    for cc in codes:
        if found == limit:
            return  # no request after the last code we need
        response = await client.get(f"{base_url}/{cc}/{cc}.gif")
        if response.status_code == 200:
            found += 1
            yield cc


async def serve_idle(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, idle: float
) -> None:
    """Answer each line with the country's name; after `idle` s of silence say BYE and close."""
    try:
        while True:
            try:
                async with asyncio.timeout(idle):  # counted from the last line, afresh each time
                    line = await reader.readline()
            except TimeoutError:
                writer.write(b"BYE idle\n")
                return
            if not line:  # the client closed the connection
                return
            code = line.decode().strip().lower()
            writer.write(f"{COUNTRIES.get(code, 'ERROR unknown code')}\n".encode())
            await writer.drain()
    finally:
        writer.close()  # what was written is still sent first
