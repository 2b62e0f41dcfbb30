"""course.bench.nginx: the reference server, or a clear note where nginx is missing."""

import pytest

from course.bench.nginx import NginxUnavailable, compare_servers, nginx_server


def test_nginx_comparison_is_skipped_with_a_clear_note_when_nginx_is_missing():
    points, note = compare_servers(["aiohttp"], 20, 10, nginx_binary="/no/such/nginx")
    assert points == []
    assert "nginx is not installed" in note and "apt-get install nginx" in note
    with pytest.raises(NginxUnavailable, match="not installed"):
        with nginx_server("/no/such/nginx"):
            pass
