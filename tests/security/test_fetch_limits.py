"""A hostile server cannot hold a command or fill its memory (issue 16).

Templates, fragments and attachments given as URLs all go through
``llm.urls.fetch_url``: a server sending one byte every 2 s is cut at the total
deadline, a 400 MB body at the size cap, each with one ``Error:`` line and
nothing sent to the model.
"""

from __future__ import annotations

import pytest
from reliability.helpers import assert_clean_error

DEADLINE = 4  # LLM_FETCH_TIMEOUT for these tests (the default is 60 s)
SLACK = 5  # starting Python and llm on a busy machine
HUGE = 400 * 1024 * 1024


@pytest.mark.parametrize(
    ("what", "args"),
    [
        ("fragment", lambda url: ["-f", url, "summarise"]),
        ("template", lambda url: ["-t", url, "hi"]),
        ("attachment", lambda url: ["-a", url, "describe"]),
    ],
)
def test_a_dripping_url_ends_at_the_deadline(llm, site, what, args):
    url = site.drip(f"/slow-{what}", interval=2.0, count=100,
                    content_type="application/octet-stream")
    result = llm.run("-m", "srv", *args(url), env={"LLM_FETCH_TIMEOUT": str(DEADLINE)},
                     timeout=60)
    assert_clean_error(
        result, f"Error: Could not fetch {what} {url}: no complete answer within {DEADLINE} s "
        "(LLM_FETCH_TIMEOUT)")
    assert result.stderr_lines[-1].endswith("(LLM_FETCH_TIMEOUT)")
    assert DEADLINE - 0.5 < result.seconds < DEADLINE + SLACK
    assert site.sent <= DEADLINE // 2 + 1  # it really dripped
    assert llm.server.requests == []


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "streamed"])
@pytest.mark.parametrize(
    ("what", "args"),
    [
        ("fragment", lambda url: ["-f", url, "summarise"]),
        ("attachment", lambda url: ["-a", url, "describe"]),
    ],
)
def test_a_huge_url_stops_at_the_size_cap(llm, site, what, args, declared):
    url = site.huge(f"/big-{what}", size=HUGE, declare_length=declared)
    result = llm.run("-m", "srv", *args(url), timeout=60)
    assert_clean_error(
        result, f"Error: Could not fetch {what} {url}: larger than 50 MiB (LLM_FETCH_MAX_BYTES)")
    assert "MemoryError" not in result.stderr
    assert site.sent < HUGE // 4
    assert llm.server.requests == []


def test_a_huge_template_stops_at_5_mib(llm, site):
    url = site.huge("/big.yaml", size=HUGE, declare_length=False)
    result = llm.run("-m", "srv", "-t", url, "hi", timeout=60)
    assert_clean_error(result, f"Error: Could not fetch template {url}: larger than 5 MiB")
    assert site.sent < HUGE // 4


def test_the_size_cap_is_a_setting(llm, site):
    url = site.add("/notes.txt", "n" * 2000)
    result = llm.run("-m", "srv", "-f", url, "x", env={"LLM_FETCH_MAX_BYTES": "1000"})
    assert_clean_error(result, "larger than 1000 bytes (LLM_FETCH_MAX_BYTES)")
    llm.server.reply("ok")
    result = llm.run("-m", "srv", "-f", url, "x", env={"LLM_FETCH_MAX_BYTES": "5000"})
    assert result.returncode == 0, result
    bad = llm.run("-m", "srv", "-f", url, "x", env={"LLM_FETCH_MAX_BYTES": "lots"})
    assert_clean_error(bad, "LLM_FETCH_MAX_BYTES must be a whole number of bytes above 0")
