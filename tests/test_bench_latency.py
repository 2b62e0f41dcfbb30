"""course.bench.latency: flags_asyncio.py run as a process, its printed time read back."""

import pytest

from course.bench.latency import run_once


def test_run_once_reads_the_time_the_script_prints(flag_server, tmp_path):
    seconds = run_once(flag_server.url_for(delay=0.2), str(tmp_path))
    assert seconds >= 0.2  # every answer waits 0.2 s: nothing beats that
    assert len(list((tmp_path / "downloaded").glob("*.gif"))) == 20


def test_an_unexpected_run_stops_with_what_the_script_said(tmp_path):
    with pytest.raises(SystemExit, match="unexpected run"):
        run_once("http://127.0.0.1:9/flags", str(tmp_path))
