"""The arena page in a real headless Chromium: votes by mouse and keyboard survive a crash;
clips show their poster frame and can be unmuted by a key and a control."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from arena_helpers import free_port, kill_hard, make_arena_run, start_arena
from test_report_browser import CHROMIUM, DevTools, chromium  # noqa: F401 (fixture by name)

from vidbench.reports.arena import read_votes, run_preference

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"
    ),
]

KEYS: dict[str, dict[str, Any]] = {
    "1": {"key": "1", "code": "Digit1", "text": "1", "windowsVirtualKeyCode": 49},
    "2": {"key": "2", "code": "Digit2", "text": "2", "windowsVirtualKeyCode": 50},
    "t": {"key": "t", "code": "KeyT", "text": "t", "windowsVirtualKeyCode": 84},
    "s": {"key": "s", "code": "KeyS", "text": "s", "windowsVirtualKeyCode": 83},
    "m": {"key": "m", "code": "KeyM", "text": "m", "windowsVirtualKeyCode": 77},
    "ArrowLeft": {"key": "ArrowLeft", "code": "ArrowLeft", "windowsVirtualKeyCode": 37},
}


def wait_for(page: DevTools, condition: str, timeout_s: float = 20.0) -> Any:
    """Poll a JS expression until it is truthy; return its value."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = page.evaluate(condition)
        if value:
            return value
        time.sleep(0.1)
    raise TimeoutError(condition)


def ready(page: DevTools) -> str:
    """Wait for a pair on screen with both clips loaded and the buttons enabled; its id."""
    return str(
        wait_for(
            page,
            """(() => { const v = [...document.querySelectorAll('video')];
        return !window.arena.busy && window.arena.pairId && v.every(x => x.readyState > 0)
          && window.arena.pairId; })()""",
        )
    )


def click(page: DevTools, selector: str) -> None:
    """A real mouse click in the middle of the element."""
    box = page.evaluate(f"""(() => {{ const r = document.querySelector({json.dumps(selector)})
        .getBoundingClientRect(); return {{x: r.x + r.width / 2, y: r.y + r.height / 2}}; }})()""")
    for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
        page.call("Input.dispatchMouseEvent", type=kind, x=box["x"], y=box["y"], button="left",
                  clickCount=1)  # fmt: skip


def press(page: DevTools, name: str) -> None:
    """A real key press (keyDown with text, keyUp)."""
    fields = KEYS[name]
    page.call("Input.dispatchKeyEvent", type="keyDown", **fields)
    page.call(
        "Input.dispatchKeyEvent", type="keyUp", **{k: v for k, v in fields.items() if k != "text"}
    )


def confirmed(page: DevTools) -> list[str]:
    return list(page.evaluate("window.arena.confirmed"))


def vote_and_wait(page: DevTools, action: Any, count: int) -> None:
    ready(page)
    action()
    wait_for(page, f"window.arena.confirmed.length === {count}")


def test_votes_by_mouse_and_keyboard_survive_a_killed_server(
    tmp_path: Path,
    chromium: DevTools,  # noqa: F811 (the fixture)
) -> None:
    run_dir = make_arena_run(tmp_path / "run")
    port = free_port()
    process = start_arena(run_dir, port)
    try:
        chromium.call("Page.navigate", url=f"http://127.0.0.1:{port}/")
        chromium.wait_event("Page.loadEventFired")
        ready(chromium)  # the first pair arrives by fetch after the load event
        assert "<b>" in chromium.evaluate("document.getElementById('prompt').textContent")
        chromium.evaluate("document.getElementById('rater').value = 'ann'")
        vote_and_wait(chromium, lambda: click(chromium, "#vote-a"), 1)
        vote_and_wait(chromium, lambda: click(chromium, "#vote-tie"), 2)
        vote_and_wait(chromium, lambda: press(chromium, "2"), 3)
        vote_and_wait(chromium, lambda: press(chromium, "ArrowLeft"), 4)
        first = ready(chromium)
        press(chromium, "s")  # skip: a new pair, no vote
        wait_for(chromium, f"window.arena.pairId && window.arena.pairId !== {json.dumps(first)}")
        vote_and_wait(chromium, lambda: press(chromium, "t"), 5)

        ready(chromium)
        kill_hard(process)  # mid-session: the pair on screen was never voted on
        press(chromium, "1")
        wait_for(chromium, "document.getElementById('status').className === 'error'")
        assert len(confirmed(chromium)) == 5  # a vote the server never saved is not confirmed

        process = start_arena(run_dir, port)
        press(chromium, "1")  # the old pair is unknown after the restart: a new one is loaded
        wait_for(chromium, "document.getElementById('status').textContent.includes('expired')")
        vote_and_wait(chromium, lambda: click(chromium, "#vote-b"), 6)
        vote_and_wait(chromium, lambda: press(chromium, "1"), 7)
        seen = confirmed(chromium)
    finally:
        kill_hard(process)

    votes = read_votes(run_dir / "votes.jsonl")
    assert [v["vote_id"] for v in votes] == seen
    assert [v["rater"] for v in votes[:5]] == ["ann"] * 5
    assert [v["choice"] for v in votes] == ["a", "tie", "b", "a", "tie", "b", "a"]
    pref = run_preference(run_dir, pd.read_parquet(run_dir / "results.parquet"))
    assert pref is not None and pref.ratings.votes == len(seen)
    # Expected while the server is down or just restarted: refused connections, the 403 (old token) or 409 of
    # the stale pair, and 404s of the old clip tokens; anything else is a page error.
    expected = ("ERR_CONNECTION_REFUSED", "status of 409", "status of 404", "status of 403")
    unexpected = [e for e in chromium.errors() if not any(x in e for x in expected)]
    assert unexpected == [], unexpected


POSTERS_JS = """
(async () => {
  const videos = [...document.querySelectorAll('video')];
  const size = (url) => new Promise((done) => { const image = new Image();
    image.onload = () => done([image.naturalWidth, image.naturalHeight]);
    image.onerror = () => done(null); image.src = url; });
  return {posters: videos.map(v => v.getAttribute('poster')),
          sizes: await Promise.all(videos.map(v => size(v.poster))),
          controls: videos.map(v => v.controls), muted: videos.map(v => v.muted)};
})()
"""
MUTED_JS = "JSON.stringify([...document.querySelectorAll('video')].map(v => v.muted))"


def sound(page: DevTools, muted: list[bool], label: str) -> None:
    """Wait until the players' muted flags and the sound control's label read as given."""
    wait_for(page, f"{MUTED_JS} === {json.dumps(json.dumps(muted, separators=(',', ':')))}")
    text = page.evaluate("document.getElementById('sound').textContent")
    assert text.startswith(f"Sound: {label} "), text


def test_clips_show_their_poster_frame_and_can_be_unmuted(
    tmp_path: Path,
    chromium: DevTools,  # noqa: F811 (the fixture)
) -> None:
    run_dir = make_arena_run(tmp_path / "run")
    port = free_port()
    process = start_arena(run_dir, port)
    try:
        chromium.call("Page.navigate", url=f"http://127.0.0.1:{port}/")
        chromium.wait_event("Page.loadEventFired")
        first = ready(chromium)
        found = chromium.evaluate(POSTERS_JS)
        assert all(p and p.startswith("poster/") for p in found["posters"]), found
        assert found["sizes"] == [[64, 48], [64, 48]]  # a decoded image the clip's size
        assert found["controls"] == [True, True] and found["muted"] == [True, True]
        press(chromium, "m")  # A's sound, B still muted: one soundtrack at a time
        sound(chromium, [False, True], "A")
        press(chromium, "m")
        sound(chromium, [True, False], "B")
        click(chromium, "#sound")
        sound(chromium, [True, True], "off")
        click(chromium, "#sound")
        sound(chromium, [False, True], "A")
        wait_for(chromium, "!document.querySelector('#video-a').paused")  # unmuted, still playing
        vote_and_wait(chromium, lambda: press(chromium, "1"), 1)
        wait_for(chromium, f"window.arena.pairId && window.arena.pairId !== {json.dumps(first)}")
        ready(chromium)
        sound(chromium, [False, True], "A")  # the choice holds for the next pair
        again = chromium.evaluate(POSTERS_JS)
        assert again["posters"] != found["posters"] and again["sizes"] == [[64, 48], [64, 48]]
    finally:
        kill_hard(process)
    assert chromium.errors() == []
