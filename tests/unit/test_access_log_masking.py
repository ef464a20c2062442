"""Link keys in log lines: hidden after /t/, wherever they appear; nothing else changes."""
from __future__ import annotations

import logging

from coordinator.access_log import MaskLinkKeys, mask_link_paths


def test_keys_and_old_tokens_are_hidden_in_paths_lines_and_urls() -> None:
    line = ('127.0.0.1 - - [01/Dec/2026 10:00:00] "POST /t/Ab3dEf7hJk/batal HTTP/1.1" 303 - '
            '"https://sinergi.example.test/t/WzE2MCwxMDFd.aw6L-Q.zTVgq21?x=1"')
    masked = mask_link_paths(line)
    assert "Ab3dEf7hJk" not in masked and "WzE2MCwxMDFd" not in masked
    assert '"POST /t/***/batal HTTP/1.1" 303' in masked and "/t/***?x=1" in masked
    assert mask_link_paths("GET /aksi/12 HTTP/1.1") == "GET /aksi/12 HTTP/1.1"


def test_the_filter_rewrites_arguments_and_keeps_the_record() -> None:
    record = logging.LogRecord("werkzeug", logging.INFO, __file__, 1,
                               '%s - - [%s] "%s" %s %s', ("1.2.3.4", "now",
                                                          "GET /t/Ab3dEf7hJk HTTP/1.1", "200", "-"),
                               None)
    assert MaskLinkKeys().filter(record)
    assert record.getMessage() == '1.2.3.4 - - [now] "GET /t/*** HTTP/1.1" 200 -'
    named = logging.LogRecord("app", logging.ERROR, __file__, 1, "Exception on %(path)s",
                              ({"path": "/t/Ab3dEf7hJk"},), None)
    MaskLinkKeys().filter(named)
    assert named.getMessage() == "Exception on /t/***"
