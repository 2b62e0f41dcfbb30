"""primes.py: the CPU-bound script that notebook 01 runs with threads and with processes."""

import subprocess
import sys

import pytest

from course.paths import REPO_ROOT
from primes import NUMBERS, is_prime


def test_is_prime_agrees_with_trial_division_for_small_numbers():
    def naive(n: int) -> bool:
        return n >= 2 and all(n % d for d in range(2, n))

    assert [n for n in range(300) if is_prime(n)] == [n for n in range(300) if naive(n)]


def test_numbers_are_large_primes_of_similar_size():
    assert all(4 * 10**13 < n < 5 * 10**13 for n in NUMBERS)
    assert all(pow(2, n - 1, n) == 1 for n in NUMBERS)  # Fermat test: cheap evidence of primality


@pytest.mark.parametrize("kind", ["threads", "processes"])
def test_primes_script_checks_every_number_with_two_workers(kind):
    done = subprocess.run(
        [sys.executable, "primes.py", kind, "2"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"4 of 4 numbers are prime ({kind}: 2) in ")


def test_primes_script_explains_its_usage_on_bad_arguments():
    done = subprocess.run(
        [sys.executable, "primes.py", "fibers", "2"], cwd=REPO_ROOT, capture_output=True, text=True
    )
    assert done.returncode == 1
    assert "usage: primes.py threads|processes WORKERS" in done.stderr
