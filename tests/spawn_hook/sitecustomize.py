"""Put first on PYTHONPATH by tests/test_notebook_runs.py: every Python process it starts (the
pytest run, the notebook's kernel, the scripts the notebook runs) creates its worker processes
with `spawn`, the default on macOS and Windows, instead of Linux's fork/forkserver."""

import multiprocessing

multiprocessing.set_start_method("spawn", force=True)
