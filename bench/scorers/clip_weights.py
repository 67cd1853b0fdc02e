"""Where open_clip's weights come from: its cache, or a download it makes from its own table.

What is downloaded is fixed by the installed open_clip's table of (architecture, tag): open_clip
fetches it through huggingface_hub from the Hub repository that table names (huggingface_hub
checks the free disk space first and the file against the size the Hub declares), and loads
it as safetensors or with
`torch.load(weights_only=True)`. No URL comes from a config: a model name carrying a source
(`hf-hub:org/repo`, which open_clip reads as "download that repository, whatever its size,
ignoring clip.weights", or `local-dir:`) is refused. vidbench does not cap the size of those
files itself (ViT-bigG-14's are about 10 GB). Before a download, one HEAD request (no
redirect followed, no credential) probes the host with a short connect timeout.
"""

from __future__ import annotations

import os
from pathlib import Path

CONNECT_TIMEOUT_S = 3.0  # the download host's probe: fail fast when offline


def source_in_model_name(model: str) -> str | None:
    """Why a CLIP model name that names a place to fetch from is refused, or None."""
    if ":" not in model:  # no open_clip architecture name holds a colon
        return None
    return (
        f"CLIP model {model!r} names where to fetch weights from; use an open_clip "
        "architecture name (ViT-B-32, …) with a pretrained tag, or clip.weights for a local file"
    )


def weights_url(model: str, pretrained: str) -> str | None:
    """Where open_clip would download (model, tag) from, or None if it has no source."""
    import open_clip

    cfg = open_clip.get_pretrained_cfg(model, pretrained) or {}
    hub = str(cfg.get("hf_hub", "")).rstrip("/")
    if hub:
        repo_id = hub if hub.count("/") <= 1 else "/".join(hub.split("/")[:2])
        return f"https://huggingface.co/{repo_id}"
    return str(cfg["url"]) if cfg.get("url") else None


# Where open_clip downloads the default weights from (the Hub repository its table names),
# so that a machine with no weights cache and no network learns CLIP is unavailable without
# importing open_clip and torch first (3 s of CPU here, before scoring can start); a test
# holds this table to the installed open_clip's (`weights_url`).
KNOWN_WEIGHTS_URLS = {
    ("ViT-B-32", "openai"): "https://huggingface.co/timm/vit_base_patch32_clip_224.openai",
}


def unreachable_problem(model: str, pretrained: str, url: str, problem: str) -> str:
    """Why CLIP is unavailable when its weights are not cached and their host is unreachable."""
    return (
        f"CLIP weights {model}/{pretrained} are not cached and {url} is unreachable ({problem}; "
        f"connect timeout {CONNECT_TIMEOUT_S:g} s): set VIDBENCH_CLIP_WEIGHTS or clip.weights "
        "to a local file, or run once online"
    )


def probe_download(url: str, connect_timeout_s: float = CONNECT_TIMEOUT_S) -> str | None:
    """None if the host answers at all; else why not (the connect timeout bounds the wait)."""
    import httpx

    timeout = httpx.Timeout(2 * connect_timeout_s, connect=connect_timeout_s)
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False) as client:
            client.head(url)
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"[:200]
    return None


def no_weights_cache() -> bool:
    """True when neither huggingface_hub's cache nor ~/.cache/clip exists, so no open_clip
    weights can be on disk: said without importing open_clip and torch (4 s here)."""
    from huggingface_hub import constants

    clip_cache = Path(os.path.expanduser("~/.cache/clip"))
    return not Path(constants.HF_HUB_CACHE).is_dir() and not clip_cache.is_dir()


def cached_open_clip_file(model: str, pretrained: str) -> Path | None:
    """The weights file open_clip would use for (model, tag), if already on disk; no network."""
    import open_clip

    cfg = open_clip.get_pretrained_cfg(model, pretrained)
    if not cfg:
        return None
    if cfg.get("file"):
        return Path(cfg["file"]) if Path(cfg["file"]).is_file() else None
    hub = cfg.get("hf_hub", "")
    if hub:
        from huggingface_hub import try_to_load_from_cache

        # open_clip's convention: "org/repo/" means the default file names, "org/repo/file" one file.
        repo_id, filename = (hub[:-1], "") if hub.endswith("/") else os.path.split(hub)
        names = (
            [filename]
            if filename
            else ["open_clip_model.safetensors", "open_clip_pytorch_model.bin"]
        )
        for name in names:
            found = try_to_load_from_cache(repo_id, name)
            if isinstance(found, str) and Path(found).is_file():
                return Path(found)
    url = cfg.get("url", "")
    if url:
        candidate = Path(os.path.expanduser("~/.cache/clip")) / os.path.basename(url)
        if candidate.is_file():
            return candidate
    return None
