"""report.html in a real headless Chromium: no console errors, videos load, plots render."""

from __future__ import annotations

import base64
import functools
import itertools
import json
import shutil
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)",
    ),
]


class QuietHandler(SimpleHTTPRequestHandler):
    """Static files without a log line per request."""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        return


@pytest.fixture
def served_run(synthetic_run: Path) -> Iterator[str]:
    """The synthetic run directory on a loopback http.server thread; yields its base URL."""
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(synthetic_run))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class DevTools:
    """A minimal Chrome DevTools Protocol client over one page target's websocket."""

    def __init__(self, websocket_url: str) -> None:
        import websocket  # websocket-client, a dev dependency

        self.socket = websocket.create_connection(websocket_url, timeout=30, suppress_origin=True)
        self.ids = itertools.count(1)
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Send one command and wait for its answer, keeping the events that arrive meanwhile."""
        message_id = next(self.ids)
        self.socket.send(json.dumps({"id": message_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == message_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def wait_event(self, method: str, timeout_s: float = 20.0) -> dict[str, Any]:
        """Wait for an event by name (or return it if already seen)."""
        deadline = time.monotonic() + timeout_s
        for event in self.events:
            if event.get("method") == method:
                return event
        while time.monotonic() < deadline:
            self.socket.settimeout(max(0.1, deadline - time.monotonic()))
            message = json.loads(self.socket.recv())
            self.events.append(message)
            if message.get("method") == method:
                return message
        raise TimeoutError(method)

    def evaluate(self, expression: str) -> Any:
        """Evaluate a JS expression (awaiting a promise) and return its JSON value."""
        result = self.call(
            "Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True
        )
        if "exceptionDetails" in result:
            raise RuntimeError(result["exceptionDetails"])
        return result["result"].get("value")

    def errors(self) -> list[str]:
        """Console errors, uncaught exceptions and failed loads seen so far."""
        found = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                found.append(json.dumps(params.get("args"))[:300])
            elif method == "Runtime.exceptionThrown":
                found.append(json.dumps(params.get("exceptionDetails"))[:300])
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                found.append(f"{params['entry'].get('text')} {params['entry'].get('url', '')}")
        return found


@pytest.fixture
def chromium(tmp_path: Path) -> Iterator[DevTools]:
    """Headless Chromium with remote debugging; yields a DevTools client on a blank page."""
    profile = tmp_path / "chromium-profile"
    profile.mkdir()
    process = subprocess.Popen(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--mute-audio",
            "--autoplay-policy=no-user-gesture-required",
            f"--user-data-dir={profile}",
            "--remote-debugging-port=0",
            "--window-size=1360,900",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and port_file.read_text().strip()):
            if time.monotonic() > deadline or process.poll() is not None:
                pytest.fail("chromium did not start its DevTools endpoint")
            time.sleep(0.05)
        port = int(port_file.read_text().splitlines()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as answer:
            targets = json.loads(answer.read())
        page = next(t for t in targets if t.get("type") == "page")
        client = DevTools(page["webSocketDebuggerUrl"])
        for domain in ("Runtime.enable", "Log.enable", "Page.enable"):
            client.call(domain)
        yield client
        client.socket.close()
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(profile, ignore_errors=True)


CHECKS_JS = """
(async () => {
  const deadline = Date.now() + 15000;
  const videos = Array.from(document.querySelectorAll('#gallery-view video'));
  while (Date.now() < deadline && !videos.every(v => v.readyState > 0 || v.error)) {
    await new Promise(r => setTimeout(r, 100));
  }
  const plots = Array.from(document.querySelectorAll('#plots figure img'));
  await Promise.all(plots.map(img => img.decode().catch(() => null)));
  return {
    videos: videos.map(v => ({src: v.getAttribute('src'), ready: v.readyState, error: v.error && v.error.code,
                              width: v.videoWidth})),
    plots: plots.map(img => ({w: img.naturalWidth, h: img.naturalHeight, shown: img.getBoundingClientRect().width})),
    scripts: document.scripts.length,
    xssText: Array.from(document.querySelectorAll('.prompt-text')).some(e => e.textContent === '<script>alert(1)</script>'),
    pages: document.querySelectorAll('#pager button').length,
    height: document.documentElement.scrollHeight,
  };
})()
"""


def test_report_renders_in_chromium(served_run: str, chromium: DevTools) -> None:
    chromium.call("Page.navigate", url=f"{served_run}/report.html")
    chromium.wait_event("Page.loadEventFired")
    result = chromium.evaluate(CHECKS_JS)

    assert result["videos"], "the gallery shows no videos"
    not_ready = [v for v in result["videos"] if v["ready"] == 0]
    assert not not_ready, f"videos that did not load: {not_ready[:3]}"
    assert all(v["width"] == 64 for v in result["videos"])
    assert len(result["plots"]) == 4
    assert all(p["w"] > 0 and p["h"] > 0 and p["shown"] > 100 for p in result["plots"]), result[
        "plots"
    ]
    assert result["xssText"], "the <script> prompt text is not shown as text"
    assert result["scripts"] == 1  # ours only: the prompt's <script> did not become an element
    assert chromium.errors() == []

    # The whole page, for a person to look at (test-artifacts/ is git-ignored). Lazy contact
    # sheets below the fold are loaded first so the picture shows what a reader scrolling sees.
    height = chromium.evaluate(
        """(async () => {
          const sheets = Array.from(document.querySelectorAll('img.sheet'));
          sheets.forEach(img => { img.loading = 'eager'; });
          await Promise.all(sheets.map(img => img.decode().catch(() => null)));
          return document.documentElement.scrollHeight;
        })()"""
    )
    ARTIFACTS.mkdir(exist_ok=True)
    shot = chromium.call(
        "Page.captureScreenshot",
        format="png",
        captureBeyondViewport=True,
        clip={"x": 0, "y": 0, "width": 1360, "height": int(height), "scale": 1},
    )
    (ARTIFACTS / "report.png").write_bytes(base64.b64decode(shot["data"]))
    assert (ARTIFACTS / "report.png").stat().st_size > 10_000
    assert chromium.errors() == []
