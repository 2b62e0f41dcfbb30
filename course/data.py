"""The course's data, defined once: the 20 country codes the scripts download, the flags.

`COURSE_CODES` are the codes of `flags_seq.py` (`POP20_CC`), in lower case as in the URLs;
a test keeps the two the same. The flags themselves are the server's (`flagserver.load_flags`).
"""

from functools import cache

from flagserver import load_flags

COURSE_CODES = "cn in us id br pk ng bd ru jp mx ph vn et eg de ir tr cd fr".split()


@cache
def flag_gifs() -> dict[str, bytes]:
    """Every flag the server serves, read once: {'cn': b'GIF89a...', ...}."""
    return load_flags()
