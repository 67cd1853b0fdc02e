"""Another web page cannot drive the arena (issue 25.3), in a real headless Chromium.

An attacker's page, served by a second loopback server on another port (another origin,
the same site: what a local dev server or a DNS-rebinding page is), tries to read the arena
page (for its token) and /api/next, to post a vote in each way a page can (a `text/plain`
no-cors POST, which needs no preflight; a JSON POST, which does; a form), and to frame the
arena. Every attempt is refused: the page reads nothing, the arena answers 4xx (seen in
Chromium's network events), no vote is saved and the frame stays empty. A request naming
`Host: attacker.example` gets 4xx. Then the arena's own page still votes.
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from arena_helpers import free_port, kill_hard, make_arena_run, start_arena
from test_arena_browser import click, ready, wait_for
from test_report_browser import CHROMIUM, DevTools, QuietHandler, chromium  # noqa: F401

from vidbench.reports.arena import read_votes

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"
    ),
]

ATTACK_PAGE = """<!doctype html><html><body>
<iframe id="framed" src="ARENA/" width="600" height="400"></iframe>
<form id="form" method="POST" action="ARENA/api/vote" enctype="text/plain" target="sink">
  <input name='{"pair_id":"x","choice":"a","pad":"' value='"}'></form>
<iframe name="sink"></iframe>
<script>
window.attack = (async () => {
  const out = {};
  const tryRead = async (name, url, init) => {
    try { const r = await fetch(url, init); out[name] = 'read ' + r.status + ' ' + (await r.text()).slice(0, 80); }
    catch (e) { out[name] = 'blocked'; }
  };
  await tryRead('page', 'ARENA/');
  await tryRead('next', 'ARENA/api/next');
  await tryRead('next_guessed_token', 'ARENA/api/next', {headers: {'X-Arena-Token': 'guess'}});
  await tryRead('vote_json', 'ARENA/api/vote', {method: 'POST', headers: {'Content-Type': 'application/json'},
                                                 body: JSON.stringify({pair_id: 'x', choice: 'a'})});
  try {
    const r = await fetch('ARENA/api/vote', {method: 'POST', mode: 'no-cors', headers: {'Content-Type': 'text/plain'},
                                              body: JSON.stringify({pair_id: 'x', choice: 'a'})});
    out.vote_text_plain = 'sent, opaque=' + (r.type === 'opaque');
  } catch (e) { out.vote_text_plain = 'blocked'; }
  document.getElementById('form').submit();
  await new Promise(r => setTimeout(r, 1500));
  try { out.frame_readable = !!document.getElementById('framed').contentDocument; }
  catch (e) { out.frame_readable = false; }
  return out;
})();
</script></body></html>"""


@pytest.fixture
def arena(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    run_dir = make_arena_run(tmp_path / "run")
    port = free_port()
    process = start_arena(run_dir, port)
    try:
        yield run_dir, f"http://127.0.0.1:{port}"
    finally:
        kill_hard(process)


@pytest.fixture
def attacker(tmp_path: Path, arena: tuple[Path, str]) -> Iterator[str]:
    """The attacker's page on a second loopback server (another port: another origin)."""
    site = tmp_path / "attacker"
    site.mkdir()
    (site / "index.html").write_text(ATTACK_PAGE.replace("ARENA", arena[1]), encoding="utf-8")
    handler = functools.partial(QuietHandler, directory=str(site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def arena_answers(page: DevTools, arena_url: str) -> dict[str, list[int]]:
    """HTTP status of every arena answer Chromium received, by path."""
    seen: dict[str, list[int]] = {}
    for event in page.events:
        if event.get("method") == "Network.responseReceived":
            response = event["params"]["response"]
            if response["url"].startswith(arena_url):
                path = response["url"][len(arena_url) :] or "/"
                seen.setdefault(path, []).append(int(response["status"]))
    return seen


def test_another_origin_can_neither_read_vote_nor_frame_and_the_arena_page_still_votes(
    arena: tuple[Path, str],
    attacker: str,
    chromium: DevTools,  # noqa: F811 (the fixture)
) -> None:
    run_dir, arena_url = arena
    chromium.call("Network.enable")
    chromium.call("Page.navigate", url=f"{attacker}/index.html")
    chromium.wait_event("Page.loadEventFired")
    result = wait_for(chromium, "window.attack", timeout_s=30)

    # The attacker's page read nothing: not the page (its token), not a pair.
    assert result["page"] == result["next"] == result["next_guessed_token"] == "blocked", result
    assert result["vote_json"] == "blocked" and result["frame_readable"] is False, result
    answers = arena_answers(chromium, arena_url)
    api = [status for path, statuses in answers.items() if path.startswith("/api/") for status in statuses]  # fmt: skip
    assert api and all(400 <= status < 500 for status in api), answers
    assert not (run_dir / "votes.jsonl").exists() or read_votes(run_dir / "votes.jsonl") == []
    framing = [e for e in chromium.errors() if "frame" in e.lower() and arena_url in e]
    assert framing, chromium.errors()  # Chromium refused to display the arena in the frame

    # DNS rebinding names the attacker's host: 4xx whatever the path.
    for path in ("/", "/api/next"):
        assert 400 <= httpx.get(arena_url + path, headers={"Host": "attacker.example"}).status_code < 500  # fmt: skip

    # The arena's own page still votes.
    chromium.events.clear()
    chromium.call("Page.navigate", url=f"{arena_url}/")
    chromium.wait_event("Page.loadEventFired")
    ready(chromium)
    click(chromium, "#vote-a")
    wait_for(chromium, "window.arena.confirmed.length === 1")
    votes = read_votes(run_dir / "votes.jsonl")
    assert [vote["choice"] for vote in votes] == ["a"]
    assert json.loads(json.dumps(votes[0]))["vote_id"] == chromium.evaluate(
        "window.arena.confirmed[0]"
    )
