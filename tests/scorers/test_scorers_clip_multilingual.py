"""Text alignment in every language: scoring_text, a multilingual CLIP (a second random tiny
model stands in for XLM-RoBERTa CLIP: random weights, tests only) or "not applicable — truncated"."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scorer_helpers import (
    TINY,
    add_to_run,
    make_job,
    moving_square,
    save_tiny_clip,
    write_video,
)

from vidbench.core.config.settings import ClipSettings
from vidbench.core.scorers.consistency import (
    TRUNCATED_NOTE,
    ClipAlignmentScorer,
    clip_numbers,
    text_route,
)
from vidbench.core.scorers.embedders import CLIP_WEIGHTS_ENV, ClipEmbedder
from vidbench.core.scorers.multilingual import MULTILINGUAL_WEIGHTS_ENV, MultilingualClipEmbedder
from vidbench.core.scorers.sampler import SamplerSettings, decode_pass
from vidbench.core.scorers.scoring import score_run
from vidbench.core.store.store import RunDir

TINY_M = "vidbench-test-tiny-multilingual"
# 134 characters of Chinese: far beyond CLIP's 77 tokens (a 126-character one is 317, issue 11).
LONG_ZH = (
    "一位穿着黄色雨衣的红发女孩牵着她的柯基犬走在雨后的石板路上，" * 4
    + "镜头缓缓推进到她的脸部特写。"
)
SHORT_ZH = "一只白猫"


@pytest.fixture(scope="module")
def multilingual_weights(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Another random tiny CLIP, registered under its own name (random weights: tests only)."""
    return save_tiny_clip(tmp_path_factory.mktemp("mclip"), TINY_M, seed=7, file_name="mclip.pt")


def zh_job(job_id: str, text: str, **fields: Any) -> Any:
    return make_job(job_id, text=text, clip_text=fields.pop("clip_text", text), **fields)


def test_routes() -> None:
    assert text_route(make_job("a"), multilingual=False) == "text"
    paired = zh_job("b", SHORT_ZH, lang="zh", clip_text="a white cat")
    assert text_route(paired, multilingual=True) == "scoring_text"
    mislabelled = zh_job("c", LONG_ZH)  # lang en, as VBench's Chinese file used to import
    assert text_route(mislabelled, multilingual=False) == "untranslated"
    assert text_route(mislabelled, multilingual=True) == "multilingual"
    french = zh_job("d", "un chat blanc", lang="fr")  # Latin script: the lang field decides
    assert text_route(french, multilingual=True) == "multilingual"


def score_one(scorer: ClipAlignmentScorer, job: Any, path: Path) -> dict[str, Any]:
    video = decode_pass(path, {"uniform"}, SamplerSettings(uniform_frames=4))
    embeddings = scorer.embedder.embed_images(video.uniform_frames)
    return scorer.score(job, video, embeddings)


def test_untranslated_long_prompt_is_not_applicable(tiny_weights: Path, tmp_path: Path) -> None:
    path = write_video(tmp_path / "v.mp4", moving_square(8))
    scorer = ClipAlignmentScorer(ClipEmbedder(ClipSettings(model=TINY, weights=str(tiny_weights))))
    long_values = score_one(scorer, zh_job("long", LONG_ZH, lang="zh"), path)
    assert long_values["clip_score"] is None and long_values["clip_cosine"] is None
    assert long_values["clip_note"] == TRUNCATED_NOTE
    assert long_values["clip_text_truncated"] is True
    assert long_values["clip_text_source"] == "untranslated"
    # a short one fits: scored, and labelled as read by the English model
    short = score_one(scorer, zh_job("short", SHORT_ZH, lang="zh"), path)
    assert short["clip_score"] is not None and short["clip_text_source"] == "untranslated"
    # an English text over 77 tokens is still scored (cut), and says so
    english = score_one(scorer, make_job("en", clip_text="a red square " * 30), path)
    assert english["clip_score"] is not None and english["clip_text_truncated"] is True


def test_multilingual_model_scores_untranslated_prompts(
    tiny_weights: Path, multilingual_weights: Path, tmp_path: Path
) -> None:
    path = write_video(tmp_path / "v.mp4", moving_square(8))
    settings = ClipSettings(model=TINY_M, weights=str(multilingual_weights), frames=4)
    multilingual = MultilingualClipEmbedder(settings)
    english = ClipEmbedder(ClipSettings(model=TINY, weights=str(tiny_weights)))
    scorer = ClipAlignmentScorer(english, multilingual)
    job = zh_job("zh", SHORT_ZH, lang="zh")
    assert scorer.needs_pixels(job) and not scorer.needs_pixels(make_job("en"))
    values = score_one(scorer, job, path)
    assert values["clip_text_source"] == "multilingual"
    assert values["clip_model"] == f"{TINY_M} (file mclip.pt)"
    # the same numbers as the multilingual model alone on the same frames
    frames = decode_pass(path, {"uniform"}, SamplerSettings(uniform_frames=4)).uniform_frames
    cosine, score = clip_numbers(
        multilingual.embed_images(frames), multilingual.embed_text(SHORT_ZH)
    )
    assert values["clip_cosine"] == pytest.approx(cosine, abs=1e-6)
    assert values["clip_score"] == pytest.approx(score, abs=1e-4)
    english_cosine, _ = clip_numbers(english.embed_images(frames), english.embed_text(SHORT_ZH))
    assert abs(values["clip_cosine"] - english_cosine) > 1e-4  # not the English model's number
    # English prompts stay with the English model
    assert score_one(scorer, make_job("en"), path)["clip_model"].startswith(TINY)
    assert "multilingual" in (scorer.protocol_for("clip_score") or 0).differences  # type: ignore[union-attr]


def test_unavailable_multilingual_model_falls_back_with_the_reason(
    tiny_weights: Path, tmp_path: Path
) -> None:
    path = write_video(tmp_path / "v.mp4", moving_square(8))
    missing = MultilingualClipEmbedder(ClipSettings(model=TINY_M, weights=str(tmp_path / "no.pt")))
    english = ClipEmbedder(ClipSettings(model=TINY, weights=str(tiny_weights)))
    values = score_one(ClipAlignmentScorer(english, missing), zh_job("l", LONG_ZH, lang="zh"), path)
    assert values["clip_score"] is None and values["clip_text_source"] == "untranslated"
    assert "multilingual model unavailable" in values["clip_note"]
    assert "not found" in values["clip_note"]


def test_multilingual_weights_never_come_from_the_english_variable(
    tiny_weights: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CLIP_WEIGHTS_ENV, str(tiny_weights))
    monkeypatch.delenv(MULTILINGUAL_WEIGHTS_ENV, raising=False)
    monkeypatch.setenv("VIDBENCH_CLIP_DOWNLOAD", "0")
    embedder = MultilingualClipEmbedder(ClipSettings(model=TINY_M, pretrained="none"))
    assert embedder.configured_file is None
    monkeypatch.setenv(MULTILINGUAL_WEIGHTS_ENV, str(tiny_weights))
    assert MultilingualClipEmbedder(ClipSettings(model=TINY_M)).configured_file == tiny_weights


def test_xlm_roberta_clip_without_transformers_is_unavailable_with_the_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "transformers" else real(name, *a),
    )
    embedder = MultilingualClipEmbedder(
        ClipSettings(model="xlm-roberta-base-ViT-B-32", pretrained="laion5b_s13b_b90k")
    )
    assert "needs the transformers package" in (embedder.unavailable or "")
    assert "xlm-roberta-base" in (embedder.unavailable or "")


def test_stage_with_a_multilingual_model_from_the_options(
    tiny_weights: Path, multilingual_weights: Path, tmp_path: Path
) -> None:
    run = tmp_path / "run"
    jobs = [
        make_job("en", text="a red square", clip_text="a red square"),
        zh_job("zh", LONG_ZH, lang="zh"),
        zh_job("paired", LONG_ZH, lang="zh", clip_text="a red square"),
    ]
    for i, job in enumerate(jobs):
        add_to_run(
            run,
            job,
            write_video(run / "videos" / f"{job.job_id}.mp4", moving_square(8, step_px=i + 1)),
        )
    options = {
        "clip_alignment": {
            "multilingual_model": TINY_M,
            "multilingual_weights": str(multilingual_weights),
        }
    }
    settings = ClipSettings(model=TINY, weights=str(tiny_weights), frames=4)
    for attempt in range(2):  # the second pass is served from the score cache
        summary = score_run(run, ["clip_alignment"], clip=settings, options=options)
        assert not summary.unavailable
        assert summary.counts["clip_alignment"].scored == (3 if attempt == 0 else 0)
    states = RunDir(run).states()
    sources = {
        j: states[j].scores["clip_alignment"]["clip_text_source"] for j in ("en", "zh", "paired")
    }
    assert sources == {"en": "text", "zh": "multilingual", "paired": "scoring_text"}
    assert all(states[j].scores["clip_alignment"]["clip_score"] is not None for j in sources)
    meta = RunDir(run).scorers_meta()["clip_alignment"]
    assert meta["settings"]["multilingual"]["model"] == TINY_M
    assert np.isfinite(states["zh"].scores["clip_alignment"]["clip_cosine"])
