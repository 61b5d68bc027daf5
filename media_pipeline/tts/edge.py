"""edge-tts: Microsoft Edge's online neural voices (edge_tts 7.x ``Communicate``).

Pronunciation lexicon: not applied. edge_tts escapes the text into its own
SSML and the service accepts no custom SSML from this client, so there is no
``<phoneme>`` to send; the neural voices' own front end reads polyphones in
context (and a lexicon change never invalidates edge clips).

The service endpoint is configurable: edge_tts reads the module constant
``edge_tts.communicate.WSS_URL`` when it connects, so the engine sets it (under
a lock, for the duration of one synthesis) to its own ``endpoint``. That is how
deployments point at a proxy/mirror and how tests point at a local fake
server speaking the same WebSocket protocol.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from typing import Any, Literal

import aiohttp
import edge_tts
import edge_tts.communicate
import edge_tts.constants
import edge_tts.exceptions

from media_pipeline.speech.readings import PronunciationLexicon
from media_pipeline.tts.base import (
    Boundary,
    ClipBuilder,
    EngineUnavailableError,
    SpeechEngine,
    SynthesisError,
    SynthesisResult,
    SynthesisSettings,
    Voice,
)

DEFAULT_ENDPOINT = edge_tts.constants.WSS_URL
_TICKS_PER_SECOND = 10_000_000
# WSS_URL is module state shared by every Communicate in the process.
_ENDPOINT_LOCK = threading.Lock()


def _describe(exc: BaseException) -> str:
    """A one-line reason (aiohttp's reprs include every request header)."""
    if isinstance(exc, aiohttp.ClientResponseError):
        return f"HTTP {exc.status} {exc.message}"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


class EdgeTTSEngine(SpeechEngine):
    name = "edge"
    _voices = {
        "zh": (
            Voice("zh-CN-XiaoxiaoNeural", "zh", "晓晓 (女声)", "female"),
            Voice("zh-CN-YunxiNeural", "zh", "云希 (男声)", "male"),
            Voice("zh-CN-XiaoyiNeural", "zh", "晓伊 (女声)", "female"),
            Voice("zh-CN-YunjianNeural", "zh", "云健 (男声)", "male"),
        ),
        "en": (
            Voice("en-US-JennyNeural", "en", "Jenny (US, female)", "female"),
            Voice("en-US-GuyNeural", "en", "Guy (US, male)", "male"),
            Voice("en-GB-SoniaNeural", "en", "Sonia (UK, female)", "female"),
            Voice("en-GB-RyanNeural", "en", "Ryan (UK, male)", "male"),
        ),
    }

    def __init__(
        self,
        *,
        endpoint: str = DEFAULT_ENDPOINT,
        boundary: Literal["SentenceBoundary", "WordBoundary"] = "SentenceBoundary",
        connect_timeout: int = 10,
        receive_timeout: int = 60,
    ):
        if not endpoint.startswith(("wss://", "ws://")):
            raise ValueError(f"edge-tts endpoint must be a ws:// or wss:// URL, got {endpoint!r}")
        if "?" not in endpoint:  # edge_tts appends "&ConnectionId=..."
            endpoint = f"{endpoint}?TrustedClientToken={edge_tts.constants.TRUSTED_CLIENT_TOKEN}"
        self.endpoint = endpoint
        self.boundary = boundary
        self.connect_timeout = connect_timeout
        self.receive_timeout = receive_timeout

    async def _collect(self, communicate: edge_tts.Communicate, clip: ClipBuilder) -> None:
        async for chunk in communicate.stream():
            if chunk["type"] == "audio":
                clip.add_audio(chunk["data"])
            elif chunk["type"] in ("WordBoundary", "SentenceBoundary"):
                start = chunk["offset"] / _TICKS_PER_SECOND
                clip.add_boundary(
                    Boundary(
                        kind="word" if chunk["type"] == "WordBoundary" else "sentence",
                        text=chunk["text"],
                        start_s=start,
                        end_s=start + chunk["duration"] / _TICKS_PER_SECOND,
                    )
                )

    def _run(self, communicate: edge_tts.Communicate, clip: ClipBuilder) -> None:
        # edge-tts connects to its module global WSS_URL (imported there from its constants, not exported).
        module: Any = edge_tts.communicate
        with _ENDPOINT_LOCK:
            previous = module.WSS_URL
            module.WSS_URL = self.endpoint
            try:
                try:
                    asyncio.get_running_loop()
                except RuntimeError:
                    asyncio.run(self._collect(communicate, clip))
                    return
                # Called from inside an event loop: run ours on a helper thread.
                with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
                    pool.submit(asyncio.run, self._collect(communicate, clip)).result()
            finally:
                module.WSS_URL = previous

    def synthesize(
        self, text: str, voice: str, settings: SynthesisSettings, lexicon: PronunciationLexicon | None = None
    ) -> SynthesisResult:
        if not text.strip():
            raise SynthesisError("cannot synthesise empty text")
        communicate = edge_tts.Communicate(
            text,
            voice,
            rate=f"{settings.rate_percent:+d}%",
            volume=f"{settings.volume_percent:+d}%",
            pitch=f"{settings.pitch_hz:+d}Hz",
            boundary=self.boundary,
            connect_timeout=self.connect_timeout,
            receive_timeout=self.receive_timeout,
        )
        clip = ClipBuilder(self.name, voice, "mp3")
        try:
            self._run(communicate, clip)
        except edge_tts.exceptions.NoAudioReceived as exc:
            raise SynthesisError(f"edge-tts returned no audio for voice {voice!r}: {exc}") from exc
        except (TimeoutError, aiohttp.ClientError, OSError, edge_tts.exceptions.EdgeTTSException) as exc:
            raise EngineUnavailableError(
                f"edge-tts service unreachable or misbehaving at {self.endpoint}: {_describe(exc)}"
            ) from exc
        return clip.result(empty=f"edge-tts returned no audio for voice {voice!r}")
