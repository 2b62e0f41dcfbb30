"""Download the flags of the 20 most populous countries with a pool of threads.

Needs the course's flag server (start it with: python -m flagserver).
Sample run:

    $ python flags_threadpool.py
    DE FR BD CN EG RU IN TR VN ID JP BR NG MX PK ET PH CD US IR
    20 downloads in 0.35s
"""

from concurrent import futures

from flags_seq import get_flag, main, save_flag

MAX_WORKERS = 20


def download_one(cc: str) -> str:
    image = get_flag(cc)
    save_flag(image, f"{cc.lower()}.gif")
    print(f"{cc} ", end="", flush=True)  # one write: threads never split a code
    return cc


def download_many(cc_list: list[str]) -> int:
    with futures.ThreadPoolExecutor(max_workers=MAX_WORKERS) as executor:
        res = executor.map(download_one, sorted(cc_list))
    return len(list(res))


if __name__ == "__main__":
    main(download_many)
