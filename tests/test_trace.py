"""course.trace: every HTTP request of scripts run side by side, from the real processes."""

import os

from course.data import COURSE_CODES
from course.trace import HOOK_DIR, run_traced, trace_env


def test_records_each_request_of_a_script_without_changing_its_output(flag_server, capsys):
    (run,) = run_traced(["flags_seq.py"], {"FLAGS_BASE_URL": flag_server.url})
    assert run.ok, run.stderr
    assert run.stdout.split("\n")[0].split() == sorted(cc.upper() for cc in COURSE_CODES)
    assert run.stderr == ""
    flags = sorted(cc.upper() for cc in COURSE_CODES)
    assert [r.name for r in run.requests] == ["health", *flags]  # is it the flag server? first
    assert all(r.status == "200" for r in run.requests)
    assert all(run.start < r.start < r.end < run.end for r in run.requests)
    assert "flags_seq.py" in capsys.readouterr().out  # the columns are printed as usual


def test_sequential_requests_never_overlap_and_asyncio_ones_all_do(flag_server):
    env = {"FLAGS_BASE_URL": flag_server.url_for(delay=0.05)}
    seq, aio = run_traced(["flags_seq.py", "flags_asyncio.py"], env)
    assert seq.ok and aio.ok
    assert seq.max_in_flight == 1
    assert aio.max_in_flight == 20
    assert aio.span < seq.span


def test_failed_requests_are_recorded_with_their_status(flag_server):
    (run,) = run_traced(["flags_seq.py"], {"FLAGS_BASE_URL": flag_server.url_for(errors=0.25)})
    assert not run.ok
    assert run.requests[-1].status == "503"
    assert all(r.status == "200" for r in run.requests[:-1])


def test_trace_env_puts_the_hook_first_and_keeps_an_existing_pythonpath(tmp_path):
    env = trace_env(tmp_path, {"PYTHONPATH": "/some/where", "X": "1"})
    assert env["PYTHONPATH"] == os.pathsep.join([str(HOOK_DIR), "/some/where"])
    assert env["FLAGS_TRACE"] == str(tmp_path) and env["X"] == "1"
