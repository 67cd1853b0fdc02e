"""Helpers for the publish tests: two synthetic runs of one suite, and a link walker."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from report_helpers import synthetic_results, write_run

LINK_ATTRIBUTES = ("href", "src", "poster")


def write_two_runs(root: Path) -> list[Path]:
    """Two runs of suite core a day apart (one sample per prompt, real tiny MP4s)."""
    paths = []
    for day in (1, 2):
        run_dir = root / f"synthetic-2026010{day}T000000Z"
        run_dir.mkdir(parents=True)
        write_run(run_dir, synthetic_results(seed=6 + day, samples=1))
        manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
        manifest["run_id"] = run_dir.name
        manifest["created_at"] = f"2026-01-0{day}T00:00:00Z"
        (run_dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
        paths.append(run_dir)
    return paths


class LinkCollector(HTMLParser):
    """Every href/src/poster value in a page, and the ids it defines."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in LINK_ATTRIBUTES and value:
                self.links.append(value)
            if name == "id" and value:
                self.ids.add(value)


def broken_links(site: Path) -> tuple[list[str], list[str]]:
    """(broken local links, external references) over every HTML page of the site."""
    broken, external = [], []
    for page in sorted(site.rglob("*.html")):
        collector = LinkCollector()
        collector.feed(page.read_text(encoding="utf-8"))
        for link in collector.links:
            parts = urlsplit(link)
            if parts.scheme == "data":
                continue
            if parts.scheme or link.startswith("//"):
                external.append(f"{page.relative_to(site)}: {link}")
                continue
            if not parts.path:
                if parts.fragment and parts.fragment not in collector.ids:
                    broken.append(f"{page.relative_to(site)}: {link}")
                continue
            target = (page.parent / unquote(parts.path)).resolve()
            if not target.is_file() or site.resolve() not in target.parents:
                broken.append(f"{page.relative_to(site)}: {link}")
    return broken, external
