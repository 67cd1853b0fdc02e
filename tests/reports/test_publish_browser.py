"""The published site in headless Chromium from file://: no console errors, every video
playable, every image decoded and every link pointing at a file of the site."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from publish_helpers import write_two_runs
from test_report_browser import CHROMIUM, DevTools, chromium  # noqa: F401 (the fixture)

from vidbench.reports.publish import publish_site

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"
    ),
]

PAGE_JS = """
(async () => {
  const deadline = Date.now() + 20000;
  const videos = Array.from(document.querySelectorAll('video'));
  const played = await Promise.all(videos.map(v => v.play().then(() => true, e => String(e))));
  while (Date.now() < deadline && !videos.every(v => v.readyState >= 2 || v.error)) {
    await new Promise(r => setTimeout(r, 100));
  }
  const images = Array.from(document.querySelectorAll('img'));
  images.forEach(img => { img.loading = 'eager'; });
  await Promise.all(images.map(img => img.decode().catch(() => null)));
  return {
    videos: videos.map((v, i) => ({src: v.currentSrc, ready: v.readyState, error: v.error && v.error.code,
                                   played: played[i], poster: v.poster})),
    images: images.map(img => ({src: img.currentSrc.slice(0, 80), w: img.naturalWidth})),
    links: Array.from(document.querySelectorAll('a[href]')).map(a => a.href),
  };
})()
"""


def test_published_site_from_file_url(tmp_path: Path, chromium: DevTools) -> None:  # noqa: F811
    write_two_runs(tmp_path / "runs")
    site = publish_site([tmp_path / "runs"], tmp_path / "site").index.parent.resolve()
    pages = sorted(site.rglob("*.html"))
    assert len(pages) >= 4
    for page in pages:
        chromium.events.clear()
        chromium.call("Page.navigate", url=page.as_uri())
        chromium.wait_event("Page.loadEventFired")
        result = chromium.evaluate(PAGE_JS)
        where = page.relative_to(site)
        assert chromium.errors() == [], where
        bad_videos = [
            v for v in result["videos"] if v["ready"] < 2 or v["error"] or v["played"] is not True
        ]
        assert bad_videos == [], (where, bad_videos[:3])
        assert all(v["poster"].startswith("file://") for v in result["videos"]), where
        assert [i for i in result["images"] if i["w"] == 0] == [], where
        for link in result["links"]:
            parts = urlsplit(link)
            assert parts.scheme == "file", (where, link)
            target = Path(unquote(parts.path))
            assert target.is_file() and site in target.parents, (where, link)
    index = site / "index.html"
    assert any(p.parent.name == "synthetic-20260102T000000Z" for p in pages) and index in pages
