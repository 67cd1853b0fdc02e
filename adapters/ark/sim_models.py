"""Seedance-on-Ark models for the simulator: what each accepts and its output pixel sizes.

Read from Volcengine's create-task page (https://www.volcengine.com/docs/82379/1520757) on
its own, apart from the adapter's tables in `adapters/ark/wire.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

RATIOS = ("16:9", "4:3", "1:1", "3:4", "9:16", "21:9")

# Landscape pixel sizes; portrait ratios are the transposes. 2.x from the 2.0 doc table;
# 1080p/4k 4:3 and 1:1 are not in the table and are derived from the 720p shapes.
PIXELS_2X: dict[str, dict[str, tuple[int, int]]] = {
    "480p": {"16:9": (864, 496), "4:3": (752, 560), "1:1": (640, 640), "21:9": (992, 432)},
    "720p": {"16:9": (1280, 720), "4:3": (1112, 834), "1:1": (960, 960), "21:9": (1470, 630)},
    "1080p": {"16:9": (1920, 1080), "4:3": (1664, 1248), "1:1": (1440, 1440), "21:9": (2206, 946)},
    "4k": {"16:9": (3840, 2160), "4:3": (3328, 2496), "1:1": (2880, 2880), "21:9": (4398, 1886)},
}
# 1.x: only 720p 16:9 = 1248×704 is on the create page; the rest follow the 1.0 doc's table shape.
PIXELS_1X: dict[str, dict[str, tuple[int, int]]] = {
    "480p": {"16:9": (864, 480), "4:3": (736, 544), "1:1": (640, 640), "21:9": (960, 416)},
    "720p": {"16:9": (1248, 704), "4:3": (1120, 832), "1:1": (960, 960), "21:9": (1504, 640)},
    "1080p": {"16:9": (1920, 1088), "4:3": (1664, 1248), "1:1": (1440, 1440), "21:9": (2176, 928)},
}

TOP_LEVEL_FIELDS = frozenset(
    [
        "model",
        "content",
        "safety_identifier",
        "callback_url",
        "return_last_frame",
        "service_tier",
        "execution_expires_after",
        "priority",
        "generate_audio",
        "draft",
        "camera_fixed",
        "watermark",
        "seed",
        "resolution",
        "ratio",
        "duration",
        "frames",
        "tools",
        "omni_reference_task_type",
        "output_format",
    ]
)


@dataclass(frozen=True)
class ArkModel:
    """What one Seedance model accepts."""

    series: str  # "2.0", "2.5", "1.5", "1.0"
    resolutions: tuple[str, ...]
    default_resolution: str
    min_duration_s: int
    max_duration_s: int
    audio: bool = False
    text_only: bool = False
    images: bool = True
    last_frame: bool = True
    max_reference_images: int = 0
    max_reference_videos: int = 0
    max_reference_audios: int = 0
    audio_alone: bool = False
    draft: bool = False
    unsupported: frozenset[str] = field(default_factory=frozenset)  # fields that 400

    @property
    def is_2x(self) -> bool:
        return self.series.startswith("2")


_ONLY_1X = frozenset({"frames", "camera_fixed"})
_ONLY_2X = frozenset({"priority", "tools"})
_ONLY_25 = frozenset({"omni_reference_task_type", "output_format"})

MODELS: dict[str, ArkModel] = {
    "doubao-seedance-2-0-260128": ArkModel(
        "2.0", ("480p", "720p", "1080p", "4k"), "720p", 4, 15, audio=True,
        max_reference_images=9, max_reference_videos=3, max_reference_audios=3,
        unsupported=_ONLY_1X | _ONLY_25 | {"draft"},
    ),
    "doubao-seedance-2-0-fast-260128": ArkModel(
        "2.0", ("480p", "720p"), "720p", 4, 15, audio=True,
        max_reference_images=9, max_reference_videos=3, max_reference_audios=3,
        unsupported=_ONLY_1X | _ONLY_25 | {"draft"},
    ),
    "doubao-seedance-2-0-mini-260615": ArkModel(
        "2.0", ("480p", "720p"), "720p", 4, 15, audio=True,
        max_reference_images=9, max_reference_videos=3, max_reference_audios=3,
        unsupported=_ONLY_1X | _ONLY_25 | {"draft"},
    ),
    "doubao-seedance-2-5-260628": ArkModel(
        "2.5", ("480p", "720p", "1080p"), "720p", 4, 30, audio=True,
        max_reference_images=30, max_reference_videos=10, max_reference_audios=10,
        audio_alone=True, draft=True, unsupported=_ONLY_1X,
    ),
    # BytePlus ModelArk (ap-southeast) serves the same API under dreamina- ids.
    "dreamina-seedance-2-0-260128": ArkModel(
        "2.0", ("480p", "720p", "1080p", "4k"), "720p", 4, 15, audio=True,
        max_reference_images=9, max_reference_videos=3, max_reference_audios=3,
        unsupported=_ONLY_1X | _ONLY_25 | {"draft"},
    ),
    "dreamina-seedance-2-0-fast-260128": ArkModel(
        "2.0", ("480p", "720p"), "720p", 4, 15, audio=True,
        max_reference_images=9, max_reference_videos=3, max_reference_audios=3,
        unsupported=_ONLY_1X | _ONLY_25 | {"draft"},
    ),
    "dreamina-seedance-2-5-260628": ArkModel(
        "2.5", ("480p", "720p"), "720p", 4, 30, audio=True,
        max_reference_images=30, max_reference_videos=10, max_reference_audios=10,
        audio_alone=True, draft=True, unsupported=_ONLY_1X,
    ),
    # Seedance 2.5 Flash: BytePlus only, 480p/720p, up to 30 s (third-party announcements);
    # its inputs are taken as 2.5's.
    "dreamina-seedance-2-5-flash-261115": ArkModel(
        "2.5", ("480p", "720p"), "720p", 4, 30, audio=True,
        max_reference_images=30, max_reference_videos=10, max_reference_audios=10,
        audio_alone=True, draft=True, unsupported=_ONLY_1X,
    ),
    "doubao-seedance-1-5-pro-251215": ArkModel(
        "1.5", ("480p", "720p", "1080p"), "720p", 4, 12, audio=True, draft=True,
        unsupported=_ONLY_2X | _ONLY_25,
    ),
    "doubao-seedance-1-0-pro-250528": ArkModel(
        "1.0", ("480p", "720p", "1080p"), "1080p", 2, 12,
        unsupported=_ONLY_2X | _ONLY_25 | {"generate_audio", "draft"},
    ),
    "doubao-seedance-1-0-pro-fast-251015": ArkModel(
        "1.0", ("480p", "720p", "1080p"), "1080p", 2, 12, last_frame=False,
        unsupported=_ONLY_2X | _ONLY_25 | {"generate_audio", "draft"},
    ),
    "doubao-seedance-1-0-lite-t2v-250428": ArkModel(
        "1.0", ("480p", "720p", "1080p"), "1080p", 2, 12, text_only=True, images=False,
        unsupported=_ONLY_2X | _ONLY_25 | {"generate_audio", "draft"},
    ),
    "doubao-seedance-1-0-lite-i2v-250428": ArkModel(
        "1.0", ("480p", "720p", "1080p"), "1080p", 2, 12, max_reference_images=4,
        unsupported=_ONLY_2X | _ONLY_25 | {"generate_audio", "draft"},
    ),
}  # fmt: skip


# Seedance 1.x routes are shut (1.0 on 2026-07-17, 1.5 pro after 2026-11-11, relay notices):
# a create answers 404 unless the `retired_models` setting says otherwise.
RETIRED_MODELS = frozenset(
    {
        "doubao-seedance-1-5-pro-251215",
        "doubao-seedance-1-0-pro-250528",
        "doubao-seedance-1-0-pro-fast-251015",
        "doubao-seedance-1-0-lite-t2v-250428",
        "doubao-seedance-1-0-lite-i2v-250428",
    }
)


def pixel_size(model: ArkModel, resolution: str, ratio: str) -> tuple[int, int]:
    """Output (width, height) for a resolution and a fixed ratio; portrait = transpose."""
    table = (PIXELS_2X if model.is_2x else PIXELS_1X)[resolution]
    portrait = {"9:16": "16:9", "3:4": "4:3"}
    if ratio in portrait:
        width, height = table[portrait[ratio]]
        return height, width
    return table[ratio]


def nearest_ratio(width: int, height: int) -> str:
    """The fixed ratio closest to an image's aspect (how `adaptive` resolves)."""
    aspect = width / height
    values = {r: int(r.split(":")[0]) / int(r.split(":")[1]) for r in RATIOS}
    return min(RATIOS, key=lambda r: abs(values[r] - aspect))
