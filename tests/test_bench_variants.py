"""course.bench.variants: each variant downloads the server's flags, reused beyond 256 codes."""

import asyncio

import pytest

from course.bench.variants import (
    DOWNLOADERS,
    VARIANTS,
    flag_urls,
    library_versions,
    make_async_client,
)
from course.data import flag_gifs


def test_urls_reuse_the_servers_codes_cyclically_beyond_256():
    urls = flag_urls("http://h/flags", 1000)
    assert len(urls) == 1000
    assert len(set(urls)) == 256
    assert urls[0] == urls[256] == "http://h/flags/ad/ad.gif"


@pytest.mark.parametrize("variant", VARIANTS)
def test_each_variant_receives_every_byte_of_the_flags(flag_server, variant):
    urls = flag_urls(flag_server.url, 30)
    gifs = flag_gifs()
    expected = sum(len(gifs[url.rsplit("/", 1)[1].removesuffix(".gif")]) for url in urls)
    assert DOWNLOADERS[variant](urls, 5) == expected


@pytest.mark.parametrize("variant", VARIANTS)
def test_each_variant_raises_on_a_failing_status(flag_server, variant):
    urls = flag_urls(flag_server.url_for(errors=1), 3)
    with pytest.raises(Exception, match="503"):
        DOWNLOADERS[variant](urls, 2)


def test_the_versions_of_every_client_measured_are_named():
    versions = library_versions()
    for name in ("httpx ", "httpx2 ", "httpx-aiohttp ", "aiohttp "):
        assert name in versions
    assert "not installed" not in versions  # requirements.txt installs every one


def test_httpx2_is_the_same_asyncio_code_on_the_fork():
    import httpx2

    client = make_async_client(7, "httpx2")
    assert isinstance(client, httpx2.AsyncClient)
    asyncio.run(client.aclose())
