"""The thread spinner while the main thread computes: the GIL is handed over, the spinner turns.

`slow` checks a large prime (CPU-bound, pure Python) instead of sleeping. The spinner thread
still gets the GIL: the interpreter asks the computing thread to let go of it every
`sys.getswitchinterval()` seconds (5 ms) when another thread is waiting for it.

Sample run (the spinner redraws `| thinking!` in place until the answer arrives)::

    $ python3 spinner_prime_thread.py
    spinner object: <Thread(Thread-1 (spin), initial)>
    Answer: True (1.15s of CPU time)
"""

import time
from threading import Event, Thread

from primes import is_prime
from spinner_thread import spin

PRIME = 5_000_000_000_000_023  # about 35 million odd divisors to try


def slow() -> bool:
    return is_prime(PRIME)


def supervisor() -> bool:
    done = Event()
    spinner = Thread(target=spin, args=("thinking!", done))
    print(f"spinner object: {spinner}")
    spinner.start()
    result = slow()
    done.set()
    spinner.join()
    return result


def main() -> None:
    t0 = time.process_time()
    result = supervisor()
    print(f"Answer: {result} ({time.process_time() - t0:.2f}s of CPU time)")


if __name__ == "__main__":
    main()
