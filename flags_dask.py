"""Download the flags with flags_threadpool.py's download_one, on a Dask cluster.

Only the executor changes: client.get_executor() instead of a ThreadPoolExecutor.
Needs the course's flag server (start it with: python -m flagserver).
Sample run (the time includes starting the cluster):

    $ python flags_dask.py
    BR CN BD DE CD EG FR ET ID IN IR JP MX NG PH PK RU TR US VN
    20 downloads in 1.62s
"""

from dask_cluster import ClusterError, dask_client
from flags_seq import FlagsError, main
from flags_threadpool import download_one

WORKERS = 2  # processes
THREADS = 10  # threads in each: 20 downloads at a time, like flags_threadpool.py


def download_many(cc_list: list[str]) -> int:
    try:
        with dask_client(WORKERS, THREADS) as client:
            executor = client.get_executor(pure=False)  # downloads are not pure functions
            res = executor.map(download_one, sorted(cc_list))
            return len(list(res))
    except ClusterError as error:
        raise FlagsError(str(error)) from None


if __name__ == "__main__":
    main(download_many)  # Ctrl-C or SIGTERM: the `with` stops the cluster, then main says so
