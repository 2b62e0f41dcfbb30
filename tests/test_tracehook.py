"""course/tracehook/sitecustomize.py: silent unless asked, and it hides no other sitecustomize."""

import os
import subprocess
import sys

from course.trace import HOOK_DIR, run_traced


def test_the_hook_does_nothing_unless_flags_trace_is_set():
    env = {**os.environ, "PYTHONPATH": str(HOOK_DIR)}
    env.pop("FLAGS_TRACE", None)
    code = "import sys; print('httpx' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert proc.stdout.strip() == "False", proc.stderr


def test_the_hook_still_runs_the_sitecustomize_it_hides(flag_server, tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    marker = tmp_path / "ran.txt"
    (mine / "sitecustomize.py").write_text(f"open({str(marker)!r}, 'w').write('yes')\n")
    env = {"FLAGS_BASE_URL": flag_server.url, "PYTHONPATH": str(mine)}
    (run,) = run_traced(["flags_seq.py"], env)
    assert run.ok, run.stderr
    assert len(run.requests) == 1 + 20  # traced: the /health check and 20 flags...
    assert marker.read_text() == "yes"  # ...and the student's own sitecustomize ran too
