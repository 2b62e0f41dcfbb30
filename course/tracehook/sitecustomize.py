"""Record every httpx request of this process when $FLAGS_TRACE names a folder.

Python imports `sitecustomize` by itself at start-up when this folder is on PYTHONPATH
(`course.trace.run_traced` puts it there). The script being run is not changed: we wrap
`httpx.Client.send` and `httpx.AsyncClient.send`, note `time.perf_counter()` before and after
each request (the response body is read by then), and at exit write
$FLAGS_TRACE/<pid>.json = {"label": "script.py args", "requests": [[url, start, end, status]]}.

Being first on the path, this module hides any other `sitecustomize` (yours, a virtualenv's,
a Linux distribution's): it runs the next one it finds, so tracing changes nothing else.
"""

import os
import sys

if os.environ.get("FLAGS_TRACE"):
    import atexit
    import json
    import time
    from pathlib import Path

    import httpx

    _requests: list[list] = []

    def _record(request: httpx.Request, start: float, outcome: str) -> None:
        _requests.append([str(request.url), start, time.perf_counter(), outcome])

    def _wrap_sync(send):
        def traced_send(self, request, **kwargs):
            start, outcome = time.perf_counter(), "error"
            try:
                response = send(self, request, **kwargs)
                outcome = str(response.status_code)
                return response
            except BaseException as error:
                outcome = type(error).__name__
                raise
            finally:
                _record(request, start, outcome)

        return traced_send

    def _wrap_async(send):
        async def traced_send(self, request, **kwargs):
            start, outcome = time.perf_counter(), "error"
            try:
                response = await send(self, request, **kwargs)
                outcome = str(response.status_code)
                return response
            except BaseException as error:
                outcome = type(error).__name__
                raise
            finally:
                _record(request, start, outcome)

        return traced_send

    httpx.Client.send = _wrap_sync(httpx.Client.send)
    httpx.AsyncClient.send = _wrap_async(httpx.AsyncClient.send)

    @atexit.register
    def _write_trace() -> None:
        label = " ".join([Path(sys.argv[0]).name, *sys.argv[1:]])
        path = Path(os.environ["FLAGS_TRACE"]) / f"{os.getpid()}.json"
        path.write_text(json.dumps({"label": label, "requests": _requests}))


def _run_the_hidden_sitecustomize() -> None:
    """Find the `sitecustomize` that the rest of sys.path has, and run it."""
    from importlib.machinery import PathFinder
    from importlib.util import module_from_spec

    here = os.path.dirname(os.path.realpath(__file__))
    rest = [path for path in sys.path if os.path.realpath(path or os.curdir) != here]
    spec = PathFinder.find_spec("sitecustomize", rest)
    if spec and spec.loader:  # never this file again: its folder is not in `rest`
        spec.loader.exec_module(module_from_spec(spec))


_run_the_hidden_sitecustomize()
