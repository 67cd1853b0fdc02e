"""vidbench publish: a static site whose every link resolves, with small H.264 previews."""

from __future__ import annotations

import re
from pathlib import Path

import av
import pytest
from publish_helpers import broken_links, write_two_runs

from vidbench.cli.app import main
from vidbench.reports.previews import preview_size, transcode_preview


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("publish")
    write_two_runs(root / "runs")
    assert main(["publish", str(root / "runs"), "--out", str(root / "site")]) == 0
    return root / "site"


def test_every_link_resolves_and_nothing_external(site: Path) -> None:
    broken, external = broken_links(site)
    assert broken == [] and external == []
    pages = {p.relative_to(site).as_posix() for p in site.rglob("*.html")}
    assert {"index.html", "runs/synthetic-20260101T000000Z/index.html"} <= pages
    assert any(p.startswith("compare/") and p.endswith("compare.html") for p in pages)


def test_index_lists_runs_leaderboard_trends_and_manifest_facts(site: Path) -> None:
    index = (site / "index.html").read_text(encoding="utf-8")
    for text in (
        "Leaderboards",
        "Suite core",
        "Trends",
        "Comparisons",
        "f" * 64,
        "alpha-sim",
        "SIM",
    ):
        assert text in index, text
    assert "<script" not in index  # the index needs no script at all
    assert index.count('href="runs/') >= 2 and 'src="trends/' in index
    # Untrusted text from the suite/config stays escaped on every page.
    for page in site.rglob("*.html"):
        assert "<script>alert(1)</script>" not in page.read_text(encoding="utf-8")


def test_previews_are_h264_with_posters(site: Path) -> None:
    run = site / "runs" / "synthetic-20260102T000000Z"
    previews = sorted((run / "videos").glob("*.mp4"))
    assert previews
    for preview in previews[:3]:
        with av.open(str(preview)) as container:
            stream = container.streams.video[0]
            assert stream.codec_context.name == "h264" and stream.height <= 480
    html = (run / "index.html").read_text(encoding="utf-8")
    tags = re.findall(r"<video [^>]*>", html)
    assert tags and all('poster="posters/' in t for t in tags)
    assert not list(run.glob("originals/*"))  # originals only with --link-originals


def test_preview_of_a_720p_clip_with_audio(tmp_path: Path) -> None:
    from fractions import Fraction

    import numpy as np

    source = tmp_path / "src.mp4"
    with av.open(str(source), "w") as container:
        video = container.add_stream("libx264", rate=24)
        video.width, video.height, video.pix_fmt = 1280, 720, "yuv420p"
        audio = container.add_stream("aac", rate=48000)
        for i in range(24):
            frame = av.VideoFrame.from_ndarray(
                np.full((720, 1280, 3), i * 8, np.uint8), format="rgb24"
            )
            frame.pts = i
            container.mux(video.encode(frame))
        container.mux(video.encode(None))
        tone = (0.2 * np.sin(np.arange(48000) * 2 * np.pi * 440 / 48000)).astype(np.float32)
        for start in range(0, 48000 - 1024, 1024):
            chunk = av.AudioFrame.from_ndarray(
                tone[None, start : start + 1024], format="fltp", layout="mono"
            )
            chunk.sample_rate, chunk.pts, chunk.time_base = 48000, start, Fraction(1, 48000)
            container.mux(audio.encode(chunk))
        container.mux(audio.encode(None))
    target = tmp_path / "preview.mp4"
    transcode_preview(source, target)
    with av.open(str(target)) as container:
        video_stream = container.streams.video[0]
        assert (video_stream.width, video_stream.height) == (854, 480)
        assert container.streams.audio and container.streams.audio[0].codec_context.name == "aac"
        assert sum(1 for _ in container.decode(video=0)) == 24
    assert preview_size(1080, 1920) == (270, 480) and preview_size(64, 48) == (64, 48)


def test_cli_prints_the_site_size(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "runs").mkdir()
    write_two_runs(tmp_path / "runs")
    assert (
        main(
            [
                "publish",
                str(tmp_path / "runs" / "synthetic-20260101T000000Z"),
                "--out",
                str(tmp_path / "s"),
                "--link-originals",
            ]
        )
        == 0
    )
    assert re.search(r"\d+\.\d MB in all", capsys.readouterr().out)
    run = tmp_path / "s" / "runs" / "synthetic-20260101T000000Z"
    assert list((run / "originals").glob("*.mp4"))
    assert 'href="originals/' in (run / "index.html").read_text(encoding="utf-8")
    assert broken_links(tmp_path / "s") == ([], [])
    assert main(["publish", str(tmp_path / "nothing"), "--out", str(tmp_path / "t")]) == 2
