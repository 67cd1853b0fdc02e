"""The arena web app: one prompt, two clips from different models, blind; votes to disk.

Serves on loopback by default. The page never learns which model made a clip: clips are
served under random tokens made fresh at each start, and the pair's identity stays on the
server until the vote is written (and fsynced) to votes.jsonl.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import secrets
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import IO, Any

import av
import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from vidbench.core.arena.lockdown import Lockdown, allowed_hosts
from vidbench.core.arena.votes import (
    CHOICES,
    VIDEO_TYPES,
    Clip,
    VoteLog,
    candidate_pairs,
    choose_pair,
    load_clips,
    open_clip,
    quick_ratings,
)
from vidbench.core.common.video import open_container

MAX_OPEN_PAIRS = 1000  # pairs shown but not voted on, kept for their vote
POSTER_HEIGHT_PX = 360  # poster frames are scaled down to this height at most


@dataclass
class Shown:
    """A pair on someone's screen."""

    a: Clip
    b: Clip
    shown_at_s: float


@dataclass
class Arena:
    """Clips, pairs on screen and the vote log of one arena session."""

    run_dirs: list[Path]
    log: VoteLog
    seed: int | None = None
    clips: list[Clip] = field(init=False)
    pairs: list[tuple[Clip, Clip]] = field(init=False)
    tokens: dict[str, Clip] = field(init=False)
    shown: dict[str, Shown] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)  # clips left out: unsafe paths
    last_served: tuple[str, str] | None = None  # job ids: not the next pair while others exist
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.clips = load_clips(self.run_dirs, self.refused)
        self.pairs = candidate_pairs(self.clips)
        self.tokens = {secrets.token_urlsafe(12): clip for clip in self.clips}
        self.token_of = {id(clip): token for token, clip in self.tokens.items()}
        self.rng = random.Random(self.seed)

    def next_pair(self, skip: str | None) -> dict[str, Any]:
        """The next pair for the page (random sides), or done."""
        with self.lock:
            avoid = set()
            if skip and skip in self.shown:
                skipped = self.shown.pop(skip)
                avoid = {(skipped.a.job_id, skipped.b.job_id), (skipped.b.job_id, skipped.a.job_id)}
            ratings = quick_ratings(self.log.votes)
            again = {self.last_served, self.last_served[::-1]} if self.last_served else set()
            chosen = choose_pair(self.pairs, self.log.votes, ratings, self.rng, avoid | again)
            if chosen is None and again - avoid:  # only the last pair is left: show it again
                chosen = choose_pair(self.pairs, self.log.votes, ratings, self.rng, avoid or None)
            progress = {"votes": len(self.log.votes), "pairs": len(self.pairs)}
            if chosen is None:
                return {"done": True, **progress}
            self.last_served = (chosen[0].job_id, chosen[1].job_id)
            pair_id = secrets.token_urlsafe(12)
            self.shown[pair_id] = Shown(chosen[0], chosen[1], time.monotonic())
            while len(self.shown) > MAX_OPEN_PAIRS:
                self.shown.pop(next(iter(self.shown)))
            a, b = chosen
            return {
                "pair_id": pair_id,
                "prompt": a.text,
                "a": f"clip/{self.token_of[id(a)]}",
                "b": f"clip/{self.token_of[id(b)]}",
                "poster_a": f"poster/{self.token_of[id(a)]}",
                "poster_b": f"poster/{self.token_of[id(b)]}",
                **progress,
            }

    def vote(self, pair_id: str, choice: str, rater: str | None) -> dict[str, Any] | None:
        """Write the vote for a shown pair; None when the pair is unknown (e.g. a restart)."""
        with self.lock:
            shown = self.shown.pop(pair_id, None)
            if shown is None:
                return None
            elapsed_s = time.monotonic() - shown.shown_at_s
            vote = self.log.append(shown.a, shown.b, choice, rater, elapsed_s)
            return {"saved": True, "vote_id": vote["vote_id"], "votes": len(self.log.votes)}


def page_html(token: str) -> str:
    """The voting page (one self-contained file: no CDN, no external fonts), carrying the
    process's API token (URL-safe characters: nothing to escape)."""
    page = resources.files("vidbench.core.arena").joinpath("page.html").read_text(encoding="utf-8")
    return page.replace("__ARENA_TOKEN__", token)


def _chunks(source: IO[bytes], chunk_bytes: int = 1 << 20) -> Iterator[bytes]:
    """The open clip's bytes, read from the descriptor that was checked; closed at the end."""
    with source:
        while chunk := source.read(chunk_bytes):
            yield chunk


def first_frame_jpeg(source: IO[bytes], max_height_px: int = POSTER_HEIGHT_PX) -> bytes | None:
    """The clip's first frame as JPEG bytes (scaled to max_height_px at most), read from the
    descriptor `open_clip` checked; None when it has no decodable frame. Closes `source`."""
    try:
        with source, open_container(source) as container:
            if not container.streams.video:
                return None
            image = next(container.decode(video=0)).to_image()
    except (av.error.FFmpegError, StopIteration, OSError, ValueError):
        return None
    if image.height > max_height_px:
        width = max(2, round(image.width * max_height_px / image.height))
        image = image.resize((width, max_height_px))
    jpeg = io.BytesIO()
    image.convert("RGB").save(jpeg, format="JPEG", quality=80)
    return jpeg.getvalue()


def poster_endpoint(arena: Arena) -> Callable[[Request], Awaitable[Response]]:
    """GET /poster/{token}: the clip's first frame as JPEG, read through the same confined
    open as the clip itself (`open_clip`), made once per clip token."""
    posters: dict[str, bytes] = {}

    async def poster(request: Request) -> Response:
        key = request.path_params["token"]
        found = arena.tokens.get(key)
        if found is None:
            return JSONResponse({"error": "no such clip"}, 404)
        if key not in posters:
            source = open_clip(found.run_dir, found.path)
            jpeg = None if source is None else await run_in_threadpool(first_frame_jpeg, source)
            if jpeg is None:
                return JSONResponse({"error": "no poster for this clip"}, 404)
            posters[key] = jpeg
        return Response(posters[key], media_type="image/jpeg")

    return poster


def build_app(arena: Arena, host: str = "127.0.0.1", port: int = 8770) -> Starlette:
    """The ASGI app of one arena, answering only as `host:port` (or loopback) and only to
    its own page (see `lockdown`)."""
    token = secrets.token_urlsafe(32)

    async def index(request: Request) -> Response:
        return HTMLResponse(page_html(token), headers={"Cache-Control": "no-store"})

    async def next_pair(request: Request) -> Response:
        return JSONResponse(arena.next_pair(request.query_params.get("skip")))

    async def vote(request: Request) -> Response:
        try:
            body = await request.json()
        except ValueError:
            return JSONResponse({"error": "body is not JSON"}, 400)
        choice = body.get("choice") if isinstance(body, dict) else None
        if choice not in CHOICES:
            return JSONResponse({"error": f"choice must be one of {', '.join(CHOICES)}"}, 400)
        rater = body.get("rater")
        saved = arena.vote(str(body.get("pair_id", "")), choice, str(rater) if rater else None)
        if saved is None:
            return JSONResponse({"error": "this pair is no longer open; load the next one"}, 409)
        return JSONResponse(saved)

    async def clip(request: Request) -> Response:
        found = arena.tokens.get(request.path_params["token"])
        if found is None:
            return JSONResponse({"error": "no such clip"}, 404)
        source = open_clip(found.run_dir, found.path)  # again: it may have changed since
        if source is None:
            return JSONResponse({"error": "no such clip"}, 404)
        size = os.fstat(source.fileno()).st_size
        return StreamingResponse(
            _chunks(source),
            media_type=VIDEO_TYPES[found.path.suffix.lower()],
            headers={"Content-Length": str(size)},
        )

    return Starlette(
        routes=[
            Route("/", index),
            Route("/api/next", next_pair),
            Route("/api/vote", vote, methods=["POST"]),
            Route("/clip/{token}", clip),
            Route("/poster/{token}", poster_endpoint(arena)),
        ],
        middleware=[Middleware(Lockdown, token=token, hosts=allowed_hosts(host, port))],
    )


def serve(run_dirs: list[Path], port: int = 8770, host: str = "127.0.0.1") -> None:
    """Run the arena until interrupted; votes go to the first run directory."""
    log = VoteLog(run_dirs[0])
    try:
        arena = Arena(run_dirs, log)
        where = "loopback only" if host in ("127.0.0.1", "localhost", "::1") else "NOT loopback"
        print(f"arena: http://{host}:{port}/ ({where}); {len(arena.clips)} clips, "
              f"{len(arena.pairs)} pairs, {len(log.votes)} votes so far → {log.path}", flush=True)  # fmt: skip
        if arena.refused:
            print(f"arena: {len(arena.refused)} clips left out (path outside the run, a "
                  f"symlink or not a video): {', '.join(arena.refused[:5])}", flush=True)  # fmt: skip
        if log.skipped:
            print(f"arena: {log.skipped} unreadable lines of {log.path} skipped", flush=True)
        uvicorn.run(
            build_app(arena, host, port),
            host=host,
            port=port,
            log_level="warning",
            access_log=False,
        )
    finally:
        log.close()


def main(argv: list[str] | None = None) -> None:
    """`python -m vidbench.core.arena.server RUN_DIR… [--port N] [--host H]`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dirs", nargs="+", type=Path)
    parser.add_argument("--port", type=int, default=8770)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)
    serve(args.run_dirs, args.port, args.host)


if __name__ == "__main__":
    main()
