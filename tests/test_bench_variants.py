"""course.bench.variants: each variant downloads the server's flags, reused beyond 256 codes."""

import pytest

from course.bench.variants import DOWNLOADERS, VARIANTS, flag_urls
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
