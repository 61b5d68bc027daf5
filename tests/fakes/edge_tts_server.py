"""A local stand-in for Microsoft's edge-tts WebSocket service.

It speaks the protocol the installed ``edge_tts`` 7.x client uses
(``edge_tts/communicate.py``), and checks it strictly:

* GET ``/consumer/speech/synthesize/readaloud/edge/v1`` upgraded to a WebSocket,
  query ``TrustedClientToken``, ``ConnectionId`` (32 hex), ``Sec-MS-GEC`` and
  ``Sec-MS-GEC-Version``;
* a text message ``Path:speech.config`` with the JSON synthesis context
  (output format ``audio-24khz-48kbitrate-mono-mp3``, sentence/word boundary flags);
* a text message ``Path:ssml`` (``Content-Type:application/ssml+xml``) carrying
  ``<speak><voice name=...><prosody ...>text</prosody></voice></speak>``.

It answers like the service: ``Path:turn.start``, ``Path:audio.metadata`` JSON
with ``SentenceBoundary``/``WordBoundary`` offsets in 100 ns ticks, binary
frames (2-byte big-endian header length, ``Path:audio`` headers, MP3 bytes),
an empty end-of-audio binary frame and ``Path:turn.end``. The audio is a real
24 kHz mono 48 kbit/s MP3 tone (made with ffmpeg) whose length follows the text,
so the pipeline downstream handles genuine MP3 data.

Protocol violations close the socket and are recorded in ``server.errors``.
Unknown voices get a turn without audio, as the real service does.

Run standalone with ``python tests/fakes/edge_tts_server.py`` to get a URL.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import tempfile
import threading
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from aiohttp import WSMsgType, web

PATH = "/consumer/speech/synthesize/readaloud/edge/v1"
TRUSTED_CLIENT_TOKEN = "6A5AA1D4EAFF4E9FB37E23D68491D6F4"
OUTPUT_FORMAT = "audio-24khz-48kbitrate-mono-mp3"
TICKS_PER_SECOND = 10_000_000
DEFAULT_VOICES = frozenset(
    {
        "zh-CN-XiaoxiaoNeural",
        "zh-CN-YunxiNeural",
        "zh-CN-XiaoyiNeural",
        "zh-CN-YunjianNeural",
        "en-US-JennyNeural",
        "en-US-GuyNeural",
        "en-GB-SoniaNeural",
        "en-GB-RyanNeural",
    }
)
_LONG_VOICE_NAME = re.compile(
    r"^Microsoft Server Speech Text to Speech Voice \((?P<locale>[a-z]{2,}-[A-Za-z-]+), (?P<name>.+)\)$"
)
_SENTENCE = re.compile(r"[^。！？!?.]+[。！？!?.]*")
_CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class FakeRequest:
    """What one synthesis request asked for."""

    voice: str
    text: str
    rate: str
    pitch: str
    volume: str
    boundary: str  # "SentenceBoundary" or "WordBoundary"
    query: dict[str, str]


class ProtocolViolation(Exception):
    pass


def _parse_text_message(data: str) -> tuple[dict[str, str], str]:
    head, sep, body = data.partition("\r\n\r\n")
    if not sep:
        raise ProtocolViolation(f"text message without header/body separator: {data[:80]!r}")
    headers = {}
    for line in head.split("\r\n"):
        key, colon, value = line.partition(":")
        if not colon:
            raise ProtocolViolation(f"malformed header line {line!r}")
        headers[key] = value
    return headers, body


def _text_frame(request_id: str, path: str, body: str, content_type: str = "application/json; charset=utf-8") -> str:
    return f"X-RequestId:{request_id}\r\nContent-Type:{content_type}\r\nPath:{path}\r\n\r\n{body}"


def _audio_frame(request_id: str, audio: bytes, *, with_content_type: bool = True) -> bytes:
    headers = f"X-RequestId:{request_id}\r\n"
    if with_content_type:
        headers += "Content-Type:audio/mpeg\r\n"
    headers += f"X-StreamId:{uuid.uuid4().hex.upper()}\r\nPath:audio\r\n"
    encoded = headers.encode("utf-8")
    return len(encoded).to_bytes(2, "big") + encoded + audio


def _spoken_seconds(text: str) -> float:
    """Rough speaking time: ~4.5 Chinese characters or ~14 Latin characters per second."""
    cjk = len(_CJK.findall(text))
    other = len(re.sub(r"\s+", " ", _CJK.sub("", text)).strip())
    return max(0.3, cjk / 4.5 + other / 14.0)


def _make_mp3(duration_s: float, frequency: int) -> bytes:
    from media_pipeline.render.ffmpeg import run_ffmpeg  # the same binary the pipeline uses

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "tone.mp3"
        run_ffmpeg(
            [
                "-y", "-f", "lavfi",
                "-i", f"sine=frequency={frequency}:sample_rate=24000:duration={duration_s:.3f}",
                "-af", "volume=0.5", "-ac", "1", "-ar", "24000", "-c:a", "libmp3lame", "-b:a", "48k",
                str(out),
            ],
            timeout=30,
        )  # fmt: skip
        return out.read_bytes()


class FakeEdgeTTSServer:
    """Threaded aiohttp server on 127.0.0.1 (a random free port)."""

    def __init__(self, *, voices: frozenset[str] = DEFAULT_VOICES, fail_with_status: int | None = None):
        self.voices = voices
        self.fail_with_status = fail_with_status  # e.g. 503: refuse the upgrade like an outage
        self.requests: list[FakeRequest] = []
        self.errors: list[str] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._sock: socket.socket | None = None
        self.port = 0

    @property
    def endpoint(self) -> str:
        """The WSS_URL equivalent for this server (without ConnectionId, which the client adds)."""
        return f"ws://127.0.0.1:{self.port}{PATH}?TrustedClientToken={TRUSTED_CLIENT_TOKEN}"

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FakeEdgeTTSServer:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        ready = threading.Event()
        self._loop = asyncio.new_event_loop()

        def serve() -> None:
            assert self._loop is not None
            asyncio.set_event_loop(self._loop)
            app = web.Application()
            app.router.add_get(PATH, self._handle)
            self._runner = web.AppRunner(app, access_log=None)
            self._loop.run_until_complete(self._runner.setup())
            self._loop.run_until_complete(web.SockSite(self._runner, self._sock).start())
            ready.set()
            self._loop.run_forever()
            self._loop.run_until_complete(self._runner.cleanup())
            self._loop.close()

        self._thread = threading.Thread(target=serve, name="fake-edge-tts", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("fake edge-tts server did not start")
        return self

    def stop(self) -> None:
        if self._loop and self._thread:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
        self._loop = self._thread = None

    def __enter__(self) -> FakeEdgeTTSServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ protocol

    def _check_query(self, request: web.Request) -> dict[str, str]:
        query = dict(request.query)
        if query.get("TrustedClientToken") != TRUSTED_CLIENT_TOKEN:
            raise ProtocolViolation(f"bad TrustedClientToken {query.get('TrustedClientToken')!r}")
        if not re.fullmatch(r"[0-9a-f]{32}", query.get("ConnectionId", "")):
            raise ProtocolViolation(f"bad ConnectionId {query.get('ConnectionId')!r}")
        for key in ("Sec-MS-GEC", "Sec-MS-GEC-Version"):
            if not query.get(key):
                raise ProtocolViolation(f"missing query parameter {key}")
        if request.headers.get("Origin") != "chrome-extension://jdiccldimpdaibmpdkjnbmckianbfold":
            raise ProtocolViolation(f"unexpected Origin {request.headers.get('Origin')!r}")
        return query

    async def _receive_text(self, ws: web.WebSocketResponse) -> str:
        message = await ws.receive(timeout=10)
        if message.type != WSMsgType.TEXT:
            raise ProtocolViolation(f"expected a text message, got {message.type!r}")
        return message.data

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if self.fail_with_status is not None:
            return web.Response(status=self.fail_with_status, text="service unavailable (fake)")
        try:
            query = self._check_query(request)
        except ProtocolViolation as exc:
            self.errors.append(str(exc))
            return web.Response(status=400, text=str(exc))
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        try:
            await self._serve_turn(ws, query)
        except ProtocolViolation as exc:
            self.errors.append(str(exc))
            await ws.close(code=1002, message=str(exc)[:100].encode())
        return ws

    async def _serve_turn(self, ws: web.WebSocketResponse, query: dict[str, str]) -> None:
        headers, body = _parse_text_message(await self._receive_text(ws))
        if headers.get("Path") != "speech.config":
            raise ProtocolViolation(f"first message must be speech.config, got {headers.get('Path')!r}")
        config = json.loads(body)
        audio_config = config["context"]["synthesis"]["audio"]
        if audio_config.get("outputFormat") != OUTPUT_FORMAT:
            raise ProtocolViolation(f"unsupported output format {audio_config.get('outputFormat')!r}")
        options = audio_config["metadataoptions"]
        boundary = "WordBoundary" if options.get("wordBoundaryEnabled") == "true" else "SentenceBoundary"

        headers, body = _parse_text_message(await self._receive_text(ws))
        if headers.get("Path") != "ssml" or headers.get("Content-Type") != "application/ssml+xml":
            raise ProtocolViolation(f"second message must be ssml, got headers {headers!r}")
        request_id = headers.get("X-RequestId", "")
        if not re.fullmatch(r"[0-9a-f]{32}", request_id):
            raise ProtocolViolation(f"bad X-RequestId {request_id!r}")
        try:
            speak = ET.fromstring(body)
        except ET.ParseError as exc:
            raise ProtocolViolation(f"SSML is not well-formed XML: {exc}") from exc
        ns = "{http://www.w3.org/2001/10/synthesis}"
        voice_el = speak.find(f"{ns}voice")
        prosody = voice_el.find(f"{ns}prosody") if voice_el is not None else None
        if voice_el is None or prosody is None:
            raise ProtocolViolation("SSML lacks <voice><prosody>")
        match = _LONG_VOICE_NAME.match(voice_el.get("name", ""))
        if not match:
            raise ProtocolViolation(f"unexpected voice name {voice_el.get('name')!r}")
        short_voice = f"{match['locale']}-{match['name']}"
        text = prosody.text or ""
        self.requests.append(
            FakeRequest(
                voice=short_voice,
                text=text,
                rate=prosody.get("rate", ""),
                pitch=prosody.get("pitch", ""),
                volume=prosody.get("volume", ""),
                boundary=boundary,
                query=query,
            )
        )

        await ws.send_str(_text_frame(request_id, "turn.start", '{"context":{"serviceTag":"fake"}}'))
        if short_voice in self.voices and text.strip():
            await self._send_speech(ws, request_id, text, boundary, short_voice)
        await ws.send_str(_text_frame(request_id, "turn.end", "{}"))
        # The client closes after turn.end; wait for it so the turn completes cleanly.
        await ws.receive(timeout=10)

    async def _send_speech(
        self, ws: web.WebSocketResponse, request_id: str, text: str, boundary: str, voice: str
    ) -> None:
        units = [m.group(0) for m in _SENTENCE.finditer(text) if m.group(0).strip()]
        if boundary == "WordBoundary":
            units = [w for unit in units for w in (list(unit) if _CJK.search(unit) else unit.split())]
            units = [u for u in units if re.search(r"\w", u)]
        durations = [_spoken_seconds(unit) for unit in units]
        total = sum(durations)
        frequency = 220 if voice.startswith("zh") else 330
        audio = await asyncio.get_running_loop().run_in_executor(None, _make_mp3, total, frequency)
        offset = 0.0
        for unit, duration in zip(units, durations, strict=False):
            metadata = {
                "Metadata": [
                    {
                        "Type": boundary,
                        "Data": {
                            "Offset": round(offset * TICKS_PER_SECOND),
                            "Duration": round(duration * TICKS_PER_SECOND),
                            "text": {"Text": unit.strip(), "Length": len(unit.strip()), "BoundaryType": boundary},
                        },
                    }
                ]
            }
            await ws.send_str(_text_frame(request_id, "audio.metadata", json.dumps(metadata, ensure_ascii=False)))
            offset += duration
        for start in range(0, len(audio), 4096):
            await ws.send_bytes(_audio_frame(request_id, audio[start : start + 4096]))
        await ws.send_bytes(_audio_frame(request_id, b"", with_content_type=False))


if __name__ == "__main__":  # pragma: no cover - manual use
    import time

    server = FakeEdgeTTSServer().start()
    print(f"fake edge-tts listening; endpoint: {server.endpoint}")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()
