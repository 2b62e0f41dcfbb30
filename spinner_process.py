"""A spinner animates in another process while the main process "thinks" for 3 seconds.

Sample run (the spinner redraws `| thinking!` in place until the answer arrives)::

    $ python3 spinner_process.py
    spinner object: <Process name='Process-1' parent=14868 initial>
    Answer: 42
"""

import itertools
import time
from multiprocessing import Event, Process, synchronize


def spin(msg: str, done: synchronize.Event) -> None:
    for char in itertools.cycle(r"\|/-"):
        status = f"\r{char} {msg}"
        print(status, end="", flush=True)
        if done.wait(0.1):
            break
    blanks = " " * len(status)
    print(f"\r{blanks}\r", end="")


def slow() -> int:
    time.sleep(3)
    return 42


def supervisor() -> int:
    done = Event()
    spinner = Process(target=spin, args=("thinking!", done))
    print(f"spinner object: {spinner}")
    spinner.start()
    result = slow()
    done.set()
    spinner.join()
    return result


def main() -> None:
    result = supervisor()
    print(f"Answer: {result}")


if __name__ == "__main__":
    main()
