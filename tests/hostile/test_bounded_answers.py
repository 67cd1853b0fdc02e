"""Hostile answers from a provider or a judge (issue 25.6): every body capped by its kind,
every request ended by an overall deadline, JSON nesting bounded, token counts checked.

The dripping server is a real loopback socket: the per-read timeout (60 s in vidbench, 2 s
here) never fires because a byte arrives every 0.2 s; only the overall deadline ends it.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from vidbench.core.config.checks import JudgeSettings
from vidbench.core.run.download import stream_to_file
from vidbench.core.scorers import judge_api
from vidbench.core.scorers.judge_session import BudgetLeft, JudgeSession, Question
from vidbench.core.seam import errors, http
from vidbench.core.seam.bounded_json import (
    MAX_JSON_DEPTH,
    JsonOutOfBounds,
    nesting_depth,
    parse_json_bounded,
)

YES = {
    "choices": [{"message": {"content": "yes"}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 900, "completion_tokens": 1},
}
IMAGE = "data:image/jpeg;base64,AAAA"


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


# --- the shared parser -----------------------------------------------------------------


def test_nesting_up_to_the_bound_parses_and_one_more_level_is_refused() -> None:
    assert parse_json_bounded(nested(MAX_JSON_DEPTH)) is not None
    with pytest.raises(JsonOutOfBounds, match=f"nested {MAX_JSON_DEPTH + 1} levels"):
        parse_json_bounded(nested(MAX_JSON_DEPTH + 1))


def test_a_hundred_thousand_levels_is_a_clear_refusal_not_a_recursion_error() -> None:
    with pytest.raises(JsonOutOfBounds, match="nested 100000 levels"):
        parse_json_bounded(nested(100_000).encode())
    # With the scan's bound lifted the decoder itself recurses too deep: still caught.
    with pytest.raises(JsonOutOfBounds, match="too deeply"):
        parse_json_bounded(nested(100_000), max_depth=10**9)


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    text = json.dumps({"detail": "[" * 500 + '\\"{' * 100, "ok": [1, [2]]})
    assert nesting_depth(text) == 3
    assert parse_json_bounded(text)["ok"] == [1, [2]]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"x" * 101, "over the 100-byte cap"),
        (b"\xff\xfe{}", "not UTF-8"),
        (b'{"a": 1', "not JSON"),
        (b"1" * 5000, "not JSON"),  # Python refuses ints over 4,300 digits (a ValueError)
    ],
)
def test_other_bad_bodies_are_one_value_error(body: bytes, message: str) -> None:
    with pytest.raises(JsonOutOfBounds, match=message):
        parse_json_bounded(body, max_bytes=100 if len(body) == 101 else 10_000)


# --- the HTTP seam: caps ----------------------------------------------------------------


def send_one(handler: Callable[[httpx.Request], httpx.Response], **kw: Any) -> httpx.Response:
    async def go() -> httpx.Response:
        async with http.build_client(httpx.MockTransport(handler)) as client:
            request = client.build_request("GET", "https://api.provider.test/v1/tasks/1")
            return await http.send(client, request, provider="p", **kw)

    return asyncio.run(go())


class Endless(httpx.AsyncByteStream):
    """A body that never ends (a 300 MB judge answer, or worse), in 1 MiB chunks."""

    def __init__(self) -> None:
        self.sent_bytes = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while True:
            self.sent_bytes += 1 << 20
            yield b" " * (1 << 20)


def test_a_json_answer_over_its_cap_is_refused_after_reading_just_past_it() -> None:
    stream = Endless()
    with pytest.raises(errors.AnswerOutOfBounds, match="cap"):
        send_one(lambda request: httpx.Response(200, stream=stream))
    assert stream.sent_bytes <= http.JSON_BODY_BYTES + (2 << 20)  # not the whole stream


def test_a_declared_length_over_the_cap_is_refused_before_reading() -> None:
    body = b"{}" + b" " * 2000
    with pytest.raises(errors.AnswerOutOfBounds, match="2002 bytes is over the 1000-byte"):
        send_one(lambda request: httpx.Response(200, content=body), max_body_bytes=1000)


def test_a_gzip_bomb_is_capped_by_its_decoded_size() -> None:
    bomb = gzip.compress(b" " * (20 << 20))  # 20 MiB of spaces in ~20 kB
    assert len(bomb) < 100_000

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=bomb, headers={"content-encoding": "gzip"})

    with pytest.raises(errors.AnswerOutOfBounds, match="larger than"):
        send_one(handler)


def test_an_answer_within_its_cap_reads_as_before() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            content=gzip.compress(b'{"status": "running"}'),
            headers={"content-encoding": "gzip", "x-request-id": "r1"},
        )

    response = send_one(handler)
    assert http.json_or_none(response) == {"status": "running"}
    assert response.headers["x-request-id"] == "r1"


def test_an_error_page_is_read_only_as_far_as_it_is_shown() -> None:
    stream = Endless()
    with pytest.raises(errors.TransientError) as info:
        send_one(lambda request: httpx.Response(502, stream=stream))
    assert info.value.status_code == 502 and len(info.value.body) <= errors.BODY_LIMIT_CHARS
    assert stream.sent_bytes <= http.ERROR_BODY_BYTES + (1 << 20)


def test_a_deeply_nested_provider_answer_reads_as_not_json() -> None:
    response = send_one(lambda request: httpx.Response(200, content=nested(50_000).encode()))
    assert http.json_or_none(response) is None


# --- the HTTP seam: the overall deadline, against a real dripping socket ------------------


@pytest.fixture
def dripping_server() -> Iterator[str]:
    """A loopback HTTP server that answers 200 with a body of one byte every 0.2 s."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(5)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                             b"content-length: 1000\r\n\r\n")  # fmt: skip
                while not stop.is_set():
                    try:
                        conn.sendall(b" ")
                    except OSError:
                        break
                    time.sleep(0.2)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    listener.close()
    thread.join(timeout=5)


def test_a_server_dripping_one_byte_at_a_time_is_ended_by_the_deadline(
    dripping_server: str,
) -> None:
    async def go() -> None:
        async with httpx.AsyncClient(timeout=httpx.Timeout(2.0)) as client:  # per read
            request = client.build_request("GET", dripping_server + "/v1/tasks/1")
            await http.send(client, request, provider="judge", deadline_s=1.0)

    started = time.monotonic()
    with pytest.raises(errors.AnswerOutOfBounds, match="overall deadline of 1 s"):
        asyncio.run(go())
    assert time.monotonic() - started < 4.0


def test_a_dripping_download_is_ended_by_its_deadline(dripping_server: str, tmp_path: Path) -> None:
    async def go() -> None:
        async with httpx.AsyncClient(timeout=httpx.Timeout(2.0)) as client:
            await stream_to_file(client, dripping_server + "/v.mp4", {}, tmp_path / "v.mp4",
                                 deadline_s=1.0)  # fmt: skip

    with pytest.raises(errors.TransientError, match="overall deadline"):
        asyncio.run(go())
    assert list(tmp_path.iterdir()) == []  # no .part left behind


# --- the judge -------------------------------------------------------------------------


def payload(frames: int = 4) -> dict[str, Any]:
    return judge_api.build_payload("m", "Is there a car?", [IMAGE] * frames, shot=None,
                                   logprobs=False)  # fmt: skip


def ask(handler: Callable[[httpx.Request], httpx.Response], frames: int = 4) -> Any:
    async def go() -> Any:
        async with http.build_client(httpx.MockTransport(handler)) as client:
            return await judge_api.ask(client, "https://judge.test/v1", "k", payload(frames),
                                       sleep=lambda s: asyncio.sleep(0))  # fmt: skip

    return asyncio.run(go())


def test_token_ceilings_follow_the_frames_sent_and_the_max_tokens_asked() -> None:
    one, eight = judge_api.token_ceilings(payload(1)), judge_api.token_ceilings(payload(8))
    assert eight[0] - one[0] == 7 * judge_api.IMAGE_TOKEN_CEILING
    assert one[1] == judge_api.MAX_ANSWER_TOKENS + judge_api.ANSWER_TOKEN_SLACK


@pytest.mark.parametrize(
    "usage",
    [
        {"prompt_tokens": 10_000_000, "completion_tokens": 1},  # the reproduced claim
        {"prompt_tokens": 900, "completion_tokens": 5_000},  # asked for 2
        {"prompt_tokens": 4 * 4096 + 1000 + 2000, "completion_tokens": 1},  # just over
    ],
)
def test_an_implausible_token_count_is_an_error_not_a_cost(usage: dict[str, int]) -> None:
    body = {**YES, "usage": usage}
    with pytest.raises(errors.ImplausibleUsage, match="could produce at most"):
        ask(lambda request: httpx.Response(200, json=body))


def test_a_plausible_count_is_kept() -> None:
    answer = ask(lambda request: httpx.Response(200, json=YES))
    assert (answer.answer, answer.input_tokens, answer.output_tokens) == ("yes", 900, 1)


def test_a_huge_judge_answer_is_refused_once_and_not_asked_again() -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(200, stream=Endless())

    with pytest.raises(errors.AnswerOutOfBounds):
        ask(handler)
    assert len(calls) == 1


def test_a_deeply_nested_judge_answer_is_malformed_not_a_crash() -> None:
    answer = ask(lambda request: httpx.Response(200, content=nested(100_000).encode()))
    assert answer.value is None and answer.malformed == "no choices in the answer"


def test_the_session_records_a_bad_answer_as_an_error_at_no_cost(tmp_path: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        claims_millions = b"car" in request.content
        usage = {"prompt_tokens": 10_000_000} if claims_millions else YES["usage"]
        return httpx.Response(200, json={**YES, "usage": usage})

    settings = JudgeSettings(model="m", price={"usd_per_million_input_tokens": 1.0})
    session = JudgeSession(settings, api_key="k", base_url="https://judge.test/v1",
                           cache_dir=tmp_path, budget=BudgetLeft(1.0),
                           transport=httpx.MockTransport(handler))  # fmt: skip
    try:
        questions = [Question(q, None, (IMAGE,), q) for q in ("Is there a car?", "A dog?")]
        bad, good = session.answer_all(questions)
    finally:
        session.close()
    assert bad is not None and bad.cost_usd == 0.0 and "could produce at most" in str(bad.error)
    assert good is not None and good.cost_usd == pytest.approx(900 / 1e6)
    assert session.spent_usd == pytest.approx(900 / 1e6)
