"""Loaded by every worker process of course.cluster's LocalCluster as it starts (Dask's `preload`).

Kernel > Interrupt sends SIGINT to the kernel's whole process group, the workers included. A
worker started while the kernel ignored SIGINT inherits that; but a worker the nanny starts later,
to replace one that died, would not. Ignoring SIGINT here covers both: an interrupted cell never
stops the cluster.
"""

import signal
import threading


def dask_setup(worker: object) -> None:
    """Called by distributed in the worker process, before it takes tasks."""
    if threading.current_thread() is threading.main_thread():  # only it may set signal handlers
        signal.signal(signal.SIGINT, signal.SIG_IGN)
