"""Report polish: pairwise matrices with only significant cells coloured, poster frames, 抽卡 section."""

from __future__ import annotations

import re
from pathlib import Path

import av
import pytest
from report_helpers import synthetic_results, write_run

from vidbench.reports.build import write_reports
from vidbench.reports.html import pairwise_matrices
from vidbench.reports.posters import ensure_posters, poster_name


def test_pairwise_matrix_colours_only_significant_cells() -> None:
    rows = [
        {
            "metric": "clip_score",
            "model_a": "a",
            "model_b": "b",
            "mean_diff": 3.0,
            "ci_low": 2.0,
            "ci_high": 4.0,
            "p_value": 0.001,
        },
        {
            "metric": "clip_score",
            "model_a": "a",
            "model_b": "c",
            "mean_diff": 0.1,
            "ci_low": -0.5,
            "ci_high": 0.7,
            "p_value": 0.6,
        },
        {
            "metric": "latency_s",
            "model_a": "a",
            "model_b": "b",
            "mean_diff": 5.0,
            "ci_low": 1.0,
            "ci_high": 9.0,
            "p_value": 0.01,
        },
    ]
    grids = pairwise_matrices(rows, ["a", "b", "c"], {"clip_score": "higher", "latency_s": "lower"})
    clip = grids["clip_score"]
    assert clip[0][1] == {"diff": 3.0, "p": 0.001, "tone": "better"}
    assert clip[1][0] == {"diff": -3.0, "p": 0.001, "tone": "worse"}
    assert clip[0][2]["tone"] == clip[2][0]["tone"] == "same"
    assert clip[0][0] is None and clip[1][2] is None
    # Lower is better for latency: a is 5 s slower than b, so a's cell is the worse one.
    assert (
        grids["latency_s"][0][1]["tone"] == "worse" and grids["latency_s"][1][0]["tone"] == "better"
    )


@pytest.fixture(scope="module")
def reported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run_dir = write_run(tmp_path_factory.mktemp("polish"), synthetic_results(samples=2))
    write_reports(run_dir)
    return run_dir


def test_report_has_matrices_collapsed_table_and_posters(reported: Path) -> None:
    html = (reported / "report.html").read_text(encoding="utf-8")
    section = html[
        html.index('<section id="pairwise">') : html.index(
            "</section>", html.index('<section id="pairwise">')
        )
    ]
    assert section.count('<table class="pairs">') >= 2
    assert "<details><summary>Full table" in section
    # Every cell tone is one of the three, and the synthetic models differ on clip_score.
    tones = re.findall(r'class="pair (better|worse|same)"', section)
    assert tones and {"better", "worse"} <= set(tones)
    videos = re.findall(r"<video [^>]*>", html)
    assert videos and all('poster="posters/' in v for v in videos)
    poster = reported / re.search(r'poster="([^"]+)"', videos[0]).group(1)  # type: ignore[union-attr]
    assert poster.is_file() and poster.stat().st_size > 0


def test_draws_section_with_several_samples(reported: Path) -> None:
    html = (reported / "report.html").read_text(encoding="utf-8")
    assert '<section id="draws">' in html and "pass@2" in html
    assert 'src="data:image/svg+xml;base64,' in html[html.index('<section id="draws">') :]
    markdown = (reported / "report.md").read_text(encoding="utf-8")
    assert "## Draws until usable" in markdown and "pass@2" in markdown


def test_draws_section_with_one_sample_gives_advice(tmp_path: Path) -> None:
    """The 抽卡 section's title and content agree: draws per usable clip per model; the sample
    size for a 10-point CI is a separate, so-named line, not a count of draws until usable."""
    run_dir = write_run(tmp_path, synthetic_results(samples=1), media=False)
    write_reports(run_dir, ("html", "md"))
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    section = html[html.index('<section id="draws">') :]
    section = section[: section.index("</section>")]
    table, advice = section.split('<h3 id="sample-size">')
    assert "Draws per usable clip" in table and "draws are needed" not in table
    # gamma: 7 of 9 draws usable at most, so more than one draw per usable clip
    assert re.search(r"gamma</td><td>9</td><td>9</td><td>\d</td>", table)
    assert "Sample size for a 10-point confidence interval" in advice
    assert "Not a count of draws until usable" in advice and "samples: " in advice
    markdown = (run_dir / "report.md").read_text(encoding="utf-8")
    draws_md = markdown[markdown.index("## Draws until usable") :]
    assert "| Draws per usable clip |" in draws_md.splitlines()[4].replace("pass@1 | ", "")
    assert "### Sample size for a 10-point confidence interval" in draws_md


def test_poster_is_the_middle_frame_and_skips_unsafe_paths(tmp_path: Path) -> None:
    from report_helpers import write_tiny_mp4

    (tmp_path / "videos").mkdir()
    write_tiny_mp4(tmp_path / "videos" / "j1.mp4", seconds=2.0)
    made = ensure_posters(tmp_path, ["videos/j1.mp4", "../outside.mp4", None, "videos/missing.mp4"])
    assert made == {"videos/j1.mp4": poster_name("videos/j1.mp4")}
    from PIL import Image

    with Image.open(tmp_path / made["videos/j1.mp4"]) as image:
        assert image.size == (64, 48)
        middle = image.convert("RGB").getpixel((0, 0))
    with av.open(str(tmp_path / "videos" / "j1.mp4")) as container:
        first = next(container.decode(video=0)).to_image().getpixel((0, 0))
    # The ramp moves 16 levels per frame: the middle frame's corner is far from the first's.
    assert abs(middle[0] - first[0]) > 40
