"""Checks of notebook 09 (Dask): work sent to the cluster as tasks, results kept on the cluster.

Each check runs the answer with a Client of the course's cluster: the notebook's own, when it
runs (start_cluster reuses it), or one started for the check and stopped after it.
"""

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from course.cluster import CURRENT, start_cluster
from course.exercises.core import DEADLINE, WAITS, NotYet, call_within, check_sizes, exercise
from flagserver import FlagServer

NOTEBOOK = "09_beyond_one_machine"

SIZES_CODES = ["cn", "br", "fr", "jp"]
PRIME_NUMBERS = [999_983, 999_981, 99_999_989, 1_000_001, 7, 10, 9_999_991]


@contextlib.contextmanager
def cluster_client() -> Iterator[Any]:
    """The running course cluster's Client, or a cluster started (and stopped) for this check."""
    running = CURRENT.get("cluster")
    if running is not None and running.client.status == "running":
        yield running.client
        return
    with start_cluster() as cluster:
        yield cluster.client


def tasks_run(client: Any, call: Callable[[], Any]) -> tuple[Any, list[str]]:
    """(call(), the names of the tasks the cluster ran meanwhile)."""
    from dask.utils import key_split
    from distributed import get_task_stream

    with get_task_stream(client) as stream:
        result = call()
    return result, [key_split(record["key"]) for record in stream.data]


def is_dask_future(value: Any) -> bool:
    from distributed import Future

    return isinstance(value, Future)


@exercise(NOTEBOOK)
def flag_sizes_on_cluster(candidate: Callable[..., Any], server: FlagServer) -> str:
    """flag_sizes_on_cluster(client, base_url, codes) -> {code: size}, a task per code."""
    codes = list(SIZES_CODES)
    with cluster_client() as client:
        sizes, names = tasks_run(
            client, lambda: call_within(DEADLINE, candidate, client, server.url, codes, hint=WAITS)
        )
    if isinstance(sizes, dict) and any(is_dask_future(v) for v in sizes.values()):
        raise NotYet("вернула словарь фьючерсов Dask: соберите значения через client.gather(...)")
    check_sizes(sizes, codes)
    if not names:
        raise NotYet(
            "размеры верные, но флаги скачало ядро Jupyter, а не кластер: отдайте загрузку "
            "каждого кода кластеру через client.map (или client.submit)"
        )
    if len(names) < len(codes):
        raise NotYet(
            f"размеры верные, но на {len(codes)} кода кластер выполнил {len(names)} задач(у): "
            "client.map — по задаче на каждый код, тогда они идут на всех рабочих процессах"
        )
    return f"работает: {len(codes)} флага скачаны на кластере, по задаче на код"


@exercise(NOTEBOOK)
def count_primes_on_cluster(candidate: Callable[..., Any], server: FlagServer) -> str:
    """count_primes_on_cluster(client, numbers) -> a Dask Future of how many are prime."""
    from primes import is_prime

    numbers = list(PRIME_NUMBERS)
    expected = sum(is_prime(n) for n in numbers)
    with cluster_client() as client:

        def answer() -> Any:
            future = call_within(DEADLINE, candidate, client, numbers, hint=WAITS)
            if not is_dask_future(future):
                return future, None
            return future, future.result(timeout=DEADLINE)

        (future, count), names = tasks_run(client, answer)
    if not is_dask_future(future):
        raise NotYet(
            f"вернула {type(future).__name__} {future!r}, а нужен фьючерс Dask: результаты "
            "is_prime не собирайте в ядро, а передайте их фьючерсы в client.submit(sum, ...)"
        )
    if count != expected:
        raise NotYet(f"фьючерс дал {count!r}, а простых среди {numbers} — {expected}")
    if len(names) < len(numbers) + 1:
        raise NotYet(
            f"счёт верный, но кластер выполнил {len(names)} задач(и) на {len(numbers)} чисел: "
            "по задаче на число (client.map), и ещё одна — сумма их фьючерсов"
        )
    return (
        f"работает: {len(numbers)} проверок и сумма на кластере, в ядро пришло одно число "
        f"({expected})"
    )
