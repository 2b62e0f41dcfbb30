"""Download a few flags with submit and as_completed, and show the futures themselves.

Needs the course's flag server (start it with: python -m flagserver).
Sample run (with 0.2 s of latency: FLAGS_BASE_URL=http://127.0.0.1:8001/delay/0.2/flags):

    $ python flags_threadpool_futures.py
    Scheduled for BR: <Future at 0x7fb931c2ce50 state=running>
    Scheduled for CN: <Future at 0x7fb9317db610 state=running>
    Scheduled for ID: <Future at 0x7fb9317db9d0 state=running>
    Scheduled for IN: <Future at 0x7fb930ddc550 state=pending>
    Scheduled for US: <Future at 0x7fb930ddced0 state=pending>
    CN BR <Future at 0x7fb931c2ce50 state=finished returned str> result: 'BR'
    <Future at 0x7fb9317db610 state=finished returned str> result: 'CN'
    ID <Future at 0x7fb9317db9d0 state=finished returned str> result: 'ID'
    US <Future at 0x7fb930ddced0 state=finished returned str> result: 'US'
    IN <Future at 0x7fb930ddc550 state=finished returned str> result: 'IN'

    5 downloads in 0.84s
"""

from concurrent import futures

from flags_seq import main
from flags_threadpool import download_one

MAX_WORKERS = 3  # fewer threads than jobs: the last futures must wait (pending)
HOW_MANY = 5  # a few flags, so that every future can be read


def download_many(cc_list: list[str]) -> int:
    cc_list = cc_list[:HOW_MANY]
    with futures.ThreadPoolExecutor(max_workers=MAX_WORKERS) as executor:
        to_do: list[futures.Future[str]] = []
        for cc in sorted(cc_list):
            future = executor.submit(download_one, cc)
            to_do.append(future)
            print(f"Scheduled for {cc}: {future}")
        for future in futures.as_completed(to_do):
            res: str = future.result()
            print(f"{future} result: {res!r}")
    return len(to_do)


if __name__ == "__main__":
    main(download_many)
