"""cache_asyncio.py: the naive cache downloads every flag once per lookup, the fixes once."""

import os
import re
import subprocess
import sys

import pytest

from course.paths import REPO_ROOT

SCRIPT = REPO_ROOT / "cache_asyncio.py"
SENT = re.compile(r"^(\w+): 30 lookups of 3 flags, (\d+) requests sent: (\{.*\}) \(\d+\.\d+s\)$")


def run(base_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "FLAGS_BASE_URL": base_url}
    cmd = [sys.executable, str(SCRIPT), *args]
    return subprocess.run(cmd, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(
    "kind, requests, per_code",
    [("naive", 30, "{'br': 10, 'cn': 10, 'fr': 10}"), ("lock", 3, None), ("future", 3, None)],
)
def test_requests_sent_per_cache(flag_server, kind, requests, per_code):
    proc = run(flag_server.url_for(delay=0.2), kind)
    assert proc.returncode == 0, proc.stderr
    match = SENT.match(proc.stdout.strip())
    assert match, proc.stdout
    assert match[1] == kind and int(match[2]) == requests
    assert match[3] == (per_code or "{'br': 1, 'cn': 1, 'fr': 1}")


def test_the_fixed_caches_still_download_different_flags_at_the_same_time(flag_server):
    import asyncio
    import time

    sys.path.insert(0, str(REPO_ROOT))
    try:
        import cache_asyncio
    finally:
        sys.path.remove(str(REPO_ROOT))
    cache_asyncio.BASE_URL = flag_server.url_for(delay=0.4)
    for kind in ("lock", "future"):
        t0 = time.perf_counter()
        sent = asyncio.run(cache_asyncio.lookups(kind, ["cn", "br", "fr", "jp"], 5))
        assert sum(sent.values()) == 4
        assert time.perf_counter() - t0 < 0.4 * 2.5  # not 4 downloads one after another


def test_a_failed_download_is_reported_in_one_line_and_not_cached(flag_server):
    proc = run(flag_server.url_for(errors=1), "future")
    assert proc.returncode == 1
    assert proc.stderr.strip().startswith("HTTP 503 for ")
    assert len(proc.stderr.strip().splitlines()) == 1


def test_no_server_and_a_wrong_argument_get_one_line():
    proc = run("http://127.0.0.1:9/flags", "lock")
    assert proc.returncode == 1
    assert "No flag server at http://127.0.0.1:9/flags" in proc.stderr
    proc = run("http://127.0.0.1:9/flags", "fast")
    assert proc.stderr == "usage: python cache_asyncio.py {naive|lock|future}\n"


@pytest.mark.parametrize("kind", ["naive", "lock", "future"])
def test_cancelled_lookups_leave_no_download_running(flag_server, monkeypatch, kind):
    """Ctrl-C cancels the lookups: the future cache's own download tasks must stop with them
    (before, they outlived the client and died later with a "never retrieved" ReadError)."""
    import asyncio

    import cache_asyncio

    monkeypatch.setattr(cache_asyncio, "BASE_URL", flag_server.url_for(delay=5))

    async def cancel_midway() -> list[asyncio.Task]:
        run = asyncio.create_task(cache_asyncio.lookups(kind, ["cn", "br"], 3))
        await asyncio.sleep(0.5)  # every download waits for its answer
        run.cancel()
        with pytest.raises(asyncio.CancelledError):
            await run
        return [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]

    assert asyncio.run(cancel_midway()) == []
