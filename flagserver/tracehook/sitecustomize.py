"""Record every httpx request of this process when $FLAGS_TRACE names a folder.

Python imports `sitecustomize` by itself at start-up when this folder is on PYTHONPATH
(`flagserver.trace.run_traced` puts it there). The script being run is not changed: we wrap
`httpx.Client.send` and `httpx.AsyncClient.send`, note `time.perf_counter()` before and after
each request (the response body is read by then), and at exit write
$FLAGS_TRACE/<pid>.json = {"label": "script.py args", "requests": [[url, start, end, status]]}.
"""

import os

if os.environ.get("FLAGS_TRACE"):
    import atexit
    import json
    import sys
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
