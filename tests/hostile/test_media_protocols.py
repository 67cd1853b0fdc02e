"""Media reach FFmpeg only as a whitelisted container over the `file` protocol (issue 25.2):
a playlist, `concat:`, a URL or `pipe:` named where a video should be is refused, and the
path and file-object opens that scoring and publish use still decode."""

from __future__ import annotations

from pathlib import Path

import av
import pytest

from vidbench.core.common.video import open_container, probe
from vidbench.core.sim.render import RenderSpec, render_video


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render_video(RenderSpec("a red car", 96, 64, 0.5, seed=1), tmp_path_factory.mktemp("r"))


def frames(container: av.container.InputContainer) -> int:
    return sum(1 for _ in container.decode(video=0))


def test_a_path_and_a_file_object_still_decode(clip: Path) -> None:
    with open_container(clip) as by_path:
        count = frames(by_path)
    with clip.open("rb") as handle, open_container(handle) as by_object:
        assert frames(by_object) == count > 0
    assert probe(clip).decodable


@pytest.mark.parametrize(
    "name",
    ["concat:{clip}|{clip}", "http://127.0.0.1:9/v.mp4", "pipe:0", "file:{clip}.m3u8"],
)
def test_a_name_that_is_not_a_plain_file_is_refused(clip: Path, name: str) -> None:
    target = name.format(clip=clip)
    with pytest.raises(av.error.FFmpegError):
        open_container(target).close()
    assert not probe(target).decodable


def test_a_playlist_renamed_mp4_pointing_at_a_clip_outside_is_not_followed(
    clip: Path, tmp_path: Path
) -> None:
    # The reproduced case: ffmpeg followed videos/x.m3u8 to a segment outside the run.
    playlist = "#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\n{}\n#EXT-X-ENDLIST\n"
    for name in ("x.m3u8", "x.mp4"):
        (tmp_path / name).write_text(playlist.format(clip))
        with pytest.raises(av.error.FFmpegError):
            open_container(tmp_path / name).close()
        assert not probe(tmp_path / name).decodable
