"""Image/text embedders for the embedding scorers: open_clip (CLIP) and, optionally, DINO via timm.

Weights are resolved in order: a local file (setting or environment variable), open_clip's
existing cache (no network), else open_clip downloads the named weights — after a probe of
the download host with a short connect timeout, so an offline machine fails fast with a
clear reason. VIDBENCH_CLIP_DOWNLOAD=0 turns downloading off. Models load lazily, once, on
first use, so a full cache hit loads none.

Where weights come from, and what is refused: `clip_weights`.
"""

from __future__ import annotations

import importlib.util
import math
import os
import threading
from pathlib import Path
from typing import Any

import numpy as np

from vidbench.core.config.settings import ClipSettings
from vidbench.core.scorers.base import ScorerUnavailable
from vidbench.core.scorers.clip_weights import (
    KNOWN_WEIGHTS_URLS,
    cached_open_clip_file,
    no_weights_cache,
    probe_download,
    source_in_model_name,
    unreachable_problem,
    weights_url,
)
from vidbench.core.scorers.known_answers import check_clip_weights, weights_check_enabled
from vidbench.core.scorers.sampler import box_reduce

CLIP_WEIGHTS_ENV = "VIDBENCH_CLIP_WEIGHTS"
CLIP_DOWNLOAD_ENV = "VIDBENCH_CLIP_DOWNLOAD"
# Memory allowed per frame in a GPU forward pass: a generous allowance for ViT-L/14 at fp32,
# not a measurement (no GPU here); batches use half the free memory.
GPU_BYTES_PER_FRAME = 64 * 1024 * 1024
CLIP_EXTRA_MISSING = "{} not installed: pip install 'vidbench[clip]'"
NO_CLIP_WEIGHTS = (
    "no CLIP weights: set VIDBENCH_CLIP_WEIGHTS or clip.weights to a local file "
    "(downloading is off: VIDBENCH_CLIP_DOWNLOAD=0)"
)
# In the embeddings' cache keys: 2 = whole-factor box reduce and the crop's box resampled
# (was: area to twice the input, then the full resize); inputs differ by resampling noise.
PREPROCESS_VERSION = "2"


def frames_per_batch(device: str, bytes_per_frame: int = GPU_BYTES_PER_FRAME) -> int:
    """Frames per forward pass on a GPU: half its free memory over a per-frame allowance."""
    import torch

    free_bytes, _ = torch.cuda.mem_get_info(torch.device(device))
    return max(1, int(free_bytes // 2 // bytes_per_frame))


def batch_transform(preprocess: Any, images: list[Any], fuse_resize_crop: bool = False) -> Any:
    """open_clip's transform over a batch, equal element for element to stacking its results.

    The PIL steps (resize, crop) run per image; the tensor conversion and normalisation
    run once on the whole batch: per image, those two small tensor ops cost more CPU than
    the resize on a busy machine (each wakes torch's thread pool; profiled in
    docs/performance.md). Any other pipeline is applied image by image, unchanged.
    `fuse_resize_crop` resizes only the part the centre crop keeps (`resize_crop`): 40%
    less CPU, and a rare pixel one grey level off.
    """
    import torch
    from PIL import Image
    from torchvision import transforms

    steps = list(getattr(preprocess, "transforms", []))
    names = [type(step).__name__ for step in steps]
    cut = next((i for i, n in enumerate(names) if n in ("ToTensor", "MaybeToTensor")), None)
    tail = steps[cut + 1 :] if cut is not None else []
    if cut is None or len(tail) > 1 or any(not isinstance(t, transforms.Normalize) for t in tail):
        return torch.stack([preprocess(image) for image in images])
    arrays = []
    for image in images:
        fused = resize_crop(steps[:2], image) if fuse_resize_crop else None
        image, rest = (image, steps[:cut]) if fused is None else (fused, steps[2:cut])
        for step in rest:
            image = step(image)
        if not isinstance(image, Image.Image) or image.mode != "RGB":
            return torch.stack([preprocess(image) for image in images])
        arrays.append(np.asarray(image))
    batch = torch.from_numpy(normalized_chw(np.stack(arrays), tail))
    return batch.to(torch.get_default_dtype())  # the model's dtype; float32 unless changed


def resize_crop(steps: list[Any], image: Any) -> Any:
    """`steps` = torchvision's Resize(short side), CenterCrop(square): in one Pillow call that
    resamples only the kept box (the filter still reads the pixels around it), or None for
    any other pipeline. Equal to the two steps but for float rounding in the filter's
    coefficients (a pixel in thousands one grey level off, tested). Landscape and square
    images only: cutting the box out of Pillow's second, vertical pass (portrait) put pixels
    of random images up to 8 grey levels off, so portrait frames take the two steps."""
    from PIL import Image
    from torchvision import transforms
    from torchvision.transforms.functional import pil_modes_mapping

    if len(steps) != 2 or not isinstance(image, Image.Image):
        return None
    resize, crop = steps
    if not isinstance(resize, transforms.Resize) or not isinstance(crop, transforms.CenterCrop):
        return None
    sizes = [resize.size] if isinstance(resize.size, int) else list(resize.size)
    side = sizes[0]
    if len(sizes) != 1 or resize.max_size is not None or tuple(crop.size) != (side, side):
        return None
    resample = pil_modes_mapping[transforms.InterpolationMode(resize.interpolation)]
    width, height = image.size
    if width < height:  # a box cut across Pillow's second (vertical) pass: up to 8 levels off
        return None
    new_width = int(side * width / height)
    left = int(round((new_width - side) / 2.0))
    scale = width / new_width
    box = (left * scale, 0.0, (left + side) * scale, float(height))
    return image.resize((side, side), resample, box=box)


def normalized_chw(images: np.ndarray, normalizers: list[Any]) -> np.ndarray:
    """ToTensor then Normalize on (N, H, W, 3) uint8, as (N, 3, H, W) float32 — the same
    float32 operations in the same order as torchvision's, so equal bit for bit (tested),
    but in numpy on this thread: torch ops called from the decode thread start an OpenMP
    team of their own beside the forward pass's, and both then wait on each other's cores."""
    values = np.ascontiguousarray(images.transpose(0, 3, 1, 2)).astype(np.float32)
    values /= np.float32(255)
    for normalize in normalizers:
        values -= np.asarray(normalize.mean, dtype=np.float32).reshape(-1, 1, 1)
        values /= np.asarray(normalize.std, dtype=np.float32).reshape(-1, 1, 1)
    return values


def file_identity(path: Path) -> str:
    """Cheap identity of a weights file for cache keys (name, size, mtime; no hashing of GBs)."""
    stat = path.stat()
    return f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}"


def configure_torch_threads() -> None:
    """Use every core for the forward pass unless the user chose a thread count."""
    import torch

    if "OMP_NUM_THREADS" not in os.environ:
        torch.set_num_threads(max(1, os.cpu_count() or 1))


class ClipEmbedder:
    """open_clip model, tokenizer and preprocessing, loaded once on first use."""

    def __init__(self, settings: ClipSettings):
        self.settings = settings
        self.device = "cpu"  # set before loading (vidbench.core.scorers.executor.place_models)
        self._lock = threading.Lock()
        self._model: Any = None
        self.preprocess: Any = None
        self.tokenizer: Any = None
        configured = settings.weights or os.environ.get(CLIP_WEIGHTS_ENV)
        self.configured_file = Path(configured).expanduser() if configured else None
        self.weights_path: Path | None = None
        self.weights_source = ""
        self._resolved = False
        self._unavailable: str | None = None
        self._answered_url: str | None = None  # a download host that answered the probe

    @property
    def unavailable(self) -> str | None:
        """Why no weights can be had (resolved on first access; imports open_clip, no network)."""
        if not self._resolved:
            self._resolve()
        return self._unavailable

    def _resolve(self) -> None:
        self._resolved = True
        self._unavailable = source_in_model_name(self.settings.model)
        if self._unavailable:
            return
        missing = [m for m in ("torch", "open_clip") if importlib.util.find_spec(m) is None]
        if missing:
            self._unavailable = CLIP_EXTRA_MISSING.format(", ".join(missing))
            return
        if self.configured_file is not None:
            if not self.configured_file.is_file():
                self._unavailable = f"CLIP weights file not found: {self.configured_file}"
            else:
                self.weights_path, self.weights_source = self.configured_file, "file"
            return
        if os.environ.get(CLIP_DOWNLOAD_ENV) == "0" and no_weights_cache():
            self._unavailable = NO_CLIP_WEIGHTS  # nothing cached, nothing to be fetched
            return
        if os.environ.get(CLIP_DOWNLOAD_ENV) != "0" and no_weights_cache():
            self._unavailable = self._known_source_problem()
            if self._unavailable:  # nothing cached, and the host is unreachable
                return
        try:
            found = cached_open_clip_file(self.settings.model, self.settings.pretrained)
        except Exception as exc:  # unknown model name, open_clip missing
            self._unavailable = f"cannot resolve CLIP weights: {exc}"
            return
        if found is not None:
            self.weights_path, self.weights_source = found, "open_clip cache"
        elif os.environ.get(CLIP_DOWNLOAD_ENV) == "0":
            self._unavailable = NO_CLIP_WEIGHTS
        else:
            self._unavailable = self._download_problem()
            self.weights_source = "" if self._unavailable else "download"

    def _known_source_problem(self) -> str | None:
        """With no weights cache at all: why weights of KNOWN_WEIGHTS_URLS cannot be had if
        their host does not answer (said without importing open_clip); else None."""
        model, tag = self.settings.model, self.settings.pretrained
        url = KNOWN_WEIGHTS_URLS.get((model, tag))
        if url is None:
            return None
        problem = probe_download(url)
        if problem is None:
            self._answered_url = url  # not probed a second time
            return None
        return unreachable_problem(model, tag, url, problem)

    def _download_problem(self) -> str | None:
        """Why open_clip cannot download the named weights now (None: it can try)."""
        model, tag = self.settings.model, self.settings.pretrained
        url = weights_url(model, tag)
        if url is None:
            return (
                f"no CLIP weights: {model}/{tag} has no download source; set VIDBENCH_CLIP_WEIGHTS"
            )
        problem = None if url == self._answered_url else probe_download(url)
        return None if problem is None else unreachable_problem(model, tag, url, problem)

    def identity(self) -> dict[str, Any]:
        """Model id for cache keys and scorers.json; cheap (a stat, no import, no load)."""
        if self.configured_file is not None:
            weights = (
                file_identity(self.configured_file)
                if self.configured_file.is_file()
                else str(self.configured_file)
            )
            return {
                "model": self.settings.model,
                "pretrained": None,
                "weights": weights,
                "preprocess": PREPROCESS_VERSION,
            }
        # A pretrained tag names fixed published weights, so the tag identifies them.
        return {
            "model": self.settings.model,
            "pretrained": self.settings.pretrained,
            "weights": None,
            "preprocess": PREPROCESS_VERSION,
        }

    @property
    def loaded(self) -> bool:
        """Whether the model is in memory (tests check a cache hit never loads it)."""
        return self._model is not None

    def load(self, verify: bool = True) -> None:
        """Load the model once and check it (`known_answers`); raises
        ScorerUnavailable with the reason, so wrong or random weights never score."""
        if self._model is None and self._load() and verify and weights_check_enabled():
            problem = check_clip_weights(self)
            if problem:
                self._model, self._unavailable = None, problem
                raise ScorerUnavailable(problem)

    def _load(self) -> bool:
        """Load under the lock; True when this call loaded the model."""
        with self._lock:
            if self._model is not None:
                return False
            if self.unavailable:
                raise ScorerUnavailable(self.unavailable)
            import open_clip

            configure_torch_threads()
            pretrained = str(self.weights_path) if self.weights_path else self.settings.pretrained
            try:
                model, _, preprocess = open_clip.create_model_and_transforms(
                    self.settings.model, pretrained=pretrained
                )
            except Exception as exc:
                self._unavailable = (
                    f"CLIP weights failed to load ({self.settings.model}, {pretrained}): {exc}"
                )
                raise ScorerUnavailable(self._unavailable) from exc
            model.to(self.device).eval()
            self.tokenizer = open_clip.get_tokenizer(self.settings.model)
            self.preprocess = preprocess
            self._model = model
            return True

    def prepare(self, frames: list[np.ndarray]) -> Any:
        """Preprocess RGB frames into a batch tensor (runs in the decode thread).

        Frames are first box-averaged by a whole factor that keeps them at least 1.5x the
        model's input (what Pillow's `reducing_gap=1.5` does; 720p: 2x to 640x360), then go
        through open_clip's own transform: the result matches the transform of the full
        frame to within resampling noise (tested), at under half its CPU on 720p+.
        """
        from PIL import Image

        side_px = math.ceil(1.5 * self.input_size_px())
        images = [Image.fromarray(box_reduce(frame, side_px)) for frame in frames]
        return batch_transform(self.preprocess, images, fuse_resize_crop=True)

    def input_size_px(self) -> int:
        """The model's square input size (224 for ViT-B-32)."""
        size = getattr(getattr(self._model, "visual", None), "image_size", 224)
        return int(size[0] if isinstance(size, tuple | list) else size)

    def embed_prepared(self, batch: Any) -> np.ndarray:
        """L2-normalised image embeddings of a preprocessed batch, shape (N, D)."""
        import torch

        self.load()
        with torch.inference_mode():
            if self.device == "cpu":
                features = self._model.encode_image(batch)
            else:  # GPU: in batches that fit the free memory, back to the CPU
                features = torch.cat(
                    [
                        self._model.encode_image(chunk.to(self.device)).cpu()
                        for chunk in batch.split(frames_per_batch(self.device))
                    ]
                )
            features = torch.nn.functional.normalize(features.float(), dim=-1)
        return features.numpy()

    def embed_images(self, frames: list[np.ndarray]) -> np.ndarray:
        """L2-normalised embeddings of RGB frames."""
        self.load()
        return self.embed_prepared(self.prepare(frames))

    def text_truncated(self, text: str) -> bool:
        """Whether the text exceeds the model's context (77 tokens for CLIP) and gets cut."""
        self.load()
        context = getattr(self.tokenizer, "context_length", 77)
        encode = getattr(self.tokenizer, "encode", None)
        if encode is None:
            return False
        return len(encode(text)) + 2 > context  # + start and end tokens

    def embed_text(self, text: str) -> np.ndarray:
        """L2-normalised text embedding, shape (D,)."""
        import torch

        self.load()
        with torch.inference_mode():
            features = self._model.encode_text(self.tokenizer([text]).to(self.device))
            features = torch.nn.functional.normalize(features.float(), dim=-1)
        return features[0].cpu().numpy()
