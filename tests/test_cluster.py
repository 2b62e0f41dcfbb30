"""course.cluster: notebook 09's LocalCluster listens on loopback only, survives a lost worker
and an interrupt, and leaves no process and no listening port after stop()."""

import json
import os
import signal
import sys
import time

import psutil
import pytest
from distributed import as_completed

from course.cluster import CURRENT, alive, leftovers, start_cluster
from primes import NUMBERS, is_prime


def prime_where(n: int) -> tuple[bool, int]:
    return is_prime(n), os.getpid()


@pytest.fixture(scope="module")
def cluster():
    started = start_cluster()
    yield started
    started.stop()
    assert leftovers(started.pids, started.ports) == ([], [])


def test_the_cluster_listens_on_loopback_only_and_is_reused(cluster):
    assert len(cluster.worker_pids()) == 2
    assert cluster.hosts() == ["127.0.0.1"] and cluster.ports
    assert start_cluster() is cluster and CURRENT["cluster"] is cluster


def test_a_killed_worker_s_tasks_are_rerun_and_every_result_arrives(cluster):
    running = cluster.client.map(prime_where, NUMBERS * 2, pure=False)
    victim = next(as_completed(running)).result()[1]
    psutil.Process(victim).kill()
    results = cluster.client.gather(running)
    assert [prime for prime, _ in results] == [True] * len(running)
    assert victim not in {pid for _, pid in results}  # its results died with it: recomputed
    cluster.client.wait_for_workers(2, timeout=60)
    assert victim not in cluster.worker_pids().values()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals: no SIGINT to send on Windows")
def test_every_worker_ignores_the_sigint_of_kernel_interrupt(cluster):
    # after the test above, one of them is a replacement the nanny started later
    pids = sorted(cluster.worker_pids().values())
    for pid in pids:
        os.kill(pid, signal.SIGINT)  # what Kernel > Interrupt sends the kernel's process group
    time.sleep(1.0)
    assert all(alive(pid) for pid in pids) and sorted(cluster.worker_pids().values()) == pids
    assert cluster.client.submit(is_prime, 7, pure=False).result(timeout=30) is True


def test_stop_leaves_no_process_and_no_port_even_twice():
    with start_cluster() as own:  # the module's cluster may already run: then it is that one
        pids, ports = own.pids, own.ports
        assert pids and ports
    own.stop()  # a second stop is harmless
    assert leftovers(pids, ports) == ([], [])
    assert "cluster" not in CURRENT


@pytest.mark.slow
def test_a_kernel_restart_leaves_no_worker_and_no_port():
    from jupyter_client.manager import start_new_kernel

    manager, kernel = start_new_kernel(kernel_name="python3")
    try:
        code = (
            "import json\n"
            "from course import start_cluster\n"
            "c = start_cluster()\n"
            "print(json.dumps([sorted(c.worker_pids().values()), c.ports]))"
        )
        shown = []
        reply = kernel.execute_interactive(
            code,
            timeout=120,
            output_hook=lambda msg: shown.append(msg["content"].get("text", "")),
        )
        assert reply["content"]["status"] == "ok", reply["content"]
        pids, ports = json.loads("".join(shown))
        assert len(pids) == 2 and ports
        manager.restart_kernel(now=False)  # Kernel > Restart: the kernel shuts down first
        deadline = time.monotonic() + 30
        while leftovers(pids, ports) != ([], []) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert leftovers(pids, ports) == ([], [])
    finally:
        kernel.stop_channels()
        manager.shutdown_kernel(now=True)
