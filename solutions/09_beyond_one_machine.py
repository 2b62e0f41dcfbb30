"""Reference solutions to the exercises of notebooks/09_beyond_one_machine.ipynb.

Try the exercise first: the check cell under it tells you in one line whether your answer works.
tests/test_exercises.py proves that each function here passes the same check.
"""

import httpx
from distributed import Client, Future

from primes import is_prime


def flag_size(base_url: str, cc: str) -> int:
    """Download one flag; return its size in bytes."""
    response = httpx.get(f"{base_url}/{cc}/{cc}.gif")
    response.raise_for_status()
    return len(response.content)


def flag_sizes_on_cluster(client: Client, base_url: str, codes: list[str]) -> dict[str, int]:
    """{code: size of its flag}, each flag downloaded by a task of its own on the cluster."""
    futures = client.map(flag_size, [base_url] * len(codes), codes)
    return dict(zip(codes, client.gather(futures)))


def count_primes_on_cluster(client: Client, numbers: list[int]) -> Future:
    """A future of how many numbers are prime: the flags and their sum stay on the cluster."""
    flags = client.map(is_prime, numbers)
    return client.submit(sum, flags)
