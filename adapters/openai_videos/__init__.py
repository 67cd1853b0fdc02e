"""The OpenAI Sora videos API shape (for gateways): adapter, wire functions and simulator."""

from vidbench.adapters.openai_videos.adapter import OpenAIVideosAdapter
from vidbench.adapters.openai_videos.sim import SIMULATOR

ADAPTER = OpenAIVideosAdapter

__all__ = ["ADAPTER", "SIMULATOR"]
