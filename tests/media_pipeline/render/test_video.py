"""End-to-end video renders, checked with Debian's ffprobe and by looking at frames.

The narration is real speech (espeak-ng, one WAV per sentence, joined with a
known silence) so the cue times are exact; videos are kept to ~8 s.
"""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from cms.core.documents import ArticleDocument, DocumentBlock, DocumentImage
from media_pipeline.render.ffmpeg import ffmpeg_exe
from media_pipeline.render.fonts import find_cjk_font
from media_pipeline.render.slides import SlideLayout
from media_pipeline.render.subtitles import Cue, parse_vtt
from media_pipeline.render.video import END_HOLD_S, render_video
from tests.subrip import parse_srt

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (shutil.which("espeak-ng") and shutil.which("ffprobe")), reason="needs espeak-ng and ffprobe"
    ),
]

TITLE = "家庭血压管理"
SENTENCES = [  # (text, silence after it in seconds); ~9 s in all
    (TITLE, 0.2),
    ("高血压是常见的慢性病，需要长期规律服药并定期复查。", 1.5),  # two caption lines, then a gap
    ("每天测量血压。", 0.8),
]


@dataclass(frozen=True)
class Narration:
    mp3_path: Path
    duration_s: float
    cues: tuple[Cue, ...]


def _espeak(text: str, path: Path) -> tuple[bytes, wave._wave_params]:
    subprocess.run(["espeak-ng", "-v", "cmn", "-s", "340", "-w", str(path), text], check=True, capture_output=True)
    with wave.open(str(path)) as clip:
        return clip.readframes(clip.getnframes()), clip.getparams()


@pytest.fixture(scope="module")
def narration(tmp_path_factory) -> Narration:
    work = tmp_path_factory.mktemp("narration")
    pcm = b""
    cues = []
    params = None
    for number, (text, pause) in enumerate(SENTENCES):
        frames, params = _espeak(text, work / f"{number}.wav")
        rate, width = params.framerate, params.sampwidth
        start = len(pcm) / (rate * width)
        pcm += frames
        cues.append(Cue(start, len(pcm) / (rate * width), text))
        pcm += b"\0" * (round(pause * rate) * width)
    joined = work / "narration.wav"
    with wave.open(str(joined), "wb") as out:
        out.setparams(params)
        out.writeframes(pcm)
    mp3 = work / "narration.mp3"
    subprocess.run([ffmpeg_exe(), "-y", "-loglevel", "error", "-i", str(joined), "-b:a", "64k", str(mp3)], check=True)
    return Narration(mp3, len(pcm) / (params.framerate * params.sampwidth), tuple(cues))


def _document(blocks=None, **overrides) -> ArticleDocument:
    fields = dict(
        title=TITLE,
        language="zh-hans",
        doctor_name="张伟",
        doctor_title="主任医师",
        hospital="北京协和医院心内科",
        share_url="https://kepu.example.cn/s/abc123",
        blocks=blocks
        if blocks is not None
        else (
            DocumentBlock("heading", text="什么是高血压"),
            DocumentBlock("paragraph", text=SENTENCES[1][0]),
            DocumentBlock("key_points", items=("每天测量血压",)),
        ),
    )
    fields.update(overrides)
    return ArticleDocument(**fields)


def _ffprobe(path: Path) -> dict:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", str(path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out)


def _top_level_atoms(path: Path) -> list[str]:
    atoms = []
    with path.open("rb") as handle:
        while header := handle.read(8):
            size, kind = struct.unpack(">I4s", header)
            if size == 1:
                size = struct.unpack(">Q", handle.read(8))[0] - 8
            atoms.append(kind.decode("latin-1"))
            handle.seek(size - 8, 1)
    return atoms


def _audio_rms(path: Path) -> float:
    pcm = subprocess.run(
        [
            ffmpeg_exe(),
            "-loglevel",
            "error",
            "-i",
            str(path),
            "-map",
            "0:a",
            "-ac",
            "1",
            "-ar",
            "16000",
            "-f",
            "s16le",
            "-",
        ],
        check=True,
        capture_output=True,
    ).stdout
    samples = np.frombuffer(pcm, dtype=np.int16).astype(np.float64)
    return float(np.sqrt(np.mean(samples**2)))


def _frame(path: Path, seconds: float) -> Image.Image:
    png = subprocess.run(
        # The frame a player shows at `seconds` (the last one at or before it: the video is variable frame
        # rate, so `-ss` alone would give the next frame instead).
        [
            ffmpeg_exe(),
            "-loglevel",
            "error",
            "-i",
            str(path),
            "-vf",
            f"fps=100,trim=start={seconds:.2f}",
            "-frames:v",
            "1",
            "-f",
            "image2pipe",
            "-c:v",
            "png",
            "-",
        ],
        check=True,
        capture_output=True,
    ).stdout
    from io import BytesIO

    return Image.open(BytesIO(png)).convert("RGB")


def _assert_playable_mp4(result, narration: Narration, width: int, height: int, path: Path | None = None) -> None:
    path = path or result.mp4_path
    info = _ffprobe(path)
    video = next(s for s in info["streams"] if s["codec_type"] == "video")
    audio = next(s for s in info["streams"] if s["codec_type"] == "audio")
    assert (video["codec_name"], audio["codec_name"]) == ("h264", "aac")
    assert (video["width"], video["height"]) == (width, height) == (result.width, result.height)
    assert video["pix_fmt"] == "yuv420p"
    # the end card holds END_HOLD_S after the narration (in quiet), both streams run to the end
    total = narration.duration_s + END_HOLD_S
    assert abs(float(info["format"]["duration"]) - total) <= 0.25
    assert abs(result.duration_s - total) <= 0.25
    for stream in (video, audio):
        assert abs(float(stream["duration"]) - total) <= 0.25, stream["codec_type"]
    # Variable frame rate, but never more than a second between frames, and a key frame at least every
    # 5 s: players seek and resume at once.
    packets = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-select_streams",
            "v",
            "-show_entries",
            "packet=pts_time,flags",
            "-of",
            "csv=p=0",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    times = sorted(float(p.split(",")[0]) for p in packets)
    keys = sorted(float(p.split(",")[0]) for p in packets if "K" in p.split(",")[1])
    assert times[0] == 0.0 and max(b - a for a, b in zip(times, times[1:], strict=False)) <= 1.0 + 1e-6
    assert max(b - a for a, b in zip(keys, [*keys[1:], total], strict=False)) <= 5.0 + 0.2, keys
    atoms = _top_level_atoms(path)
    assert atoms.index("moov") < atoms.index("mdat"), atoms  # +faststart
    assert _audio_rms(path) > 300  # speech, not silence
    assert int(info["format"]["bit_rate"]) < 1_500_000  # still slides must stay small for phones


def test_portrait_video_is_h264_aac_faststart_with_synced_slides_and_captions(tmp_path, narration):
    work = tmp_path / "work"
    result = render_video(_document(), narration, tmp_path / "out", work_dir=work)
    _assert_playable_mp4(result, narration, 1080, 1920)
    assert result.warnings == ()

    with Image.open(result.poster_path) as poster:
        assert (poster.format, poster.size) == ("JPEG", (1080, 1920))
    assert [c.text.replace("\n", "") for c in parse_vtt(result.vtt_path.read_text())] == [s for s, _ in SENTENCES]
    assert len(parse_srt(result.srt_path.read_text())) == len(SENTENCES)

    layout = SlideLayout.for_size(1080, 1920, find_cjk_font())
    band = layout.caption_band
    slides = sorted((work / "slides").glob("slide-*.png"))  # title, section, key point, end
    assert len(slides) == 4

    def shown_slide(frame: Image.Image) -> int:
        """Which slide PNG the frame's content area matches best."""
        area = (0, 0, 1080, layout.content.bottom)
        frame_px = np.asarray(frame.crop(area), dtype=np.int16)
        diffs = [
            np.abs(frame_px - np.asarray(Image.open(s).convert("RGB").crop(area), dtype=np.int16)).mean()
            for s in slides
        ]
        return int(np.argmin(diffs))

    def caption_pixels(frame: Image.Image) -> int:
        grey = np.asarray(frame.crop((band.left, band.top, band.right, band.bottom)).convert("L"))
        return int((grey < 110).sum())  # the translucent caption box is dark; the band is light

    cues = narration.cues
    mid = lambda cue: (cue.start + cue.end) / 2  # noqa: E731
    captioned = result.captioned_mp4_path
    assert captioned == tmp_path / "out" / "video-captioned.mp4"
    _assert_playable_mp4(result, narration, 1080, 1920, path=captioned)
    section_frame = _frame(captioned, mid(cues[1]))
    gap_frame = _frame(captioned, cues[1].end + 0.75)  # silence between cues: no caption
    point_frame = _frame(captioned, cues[2].start + 0.3)
    last_words = _frame(captioned, narration.duration_s - 0.3)  # the voice is still speaking: not the end card
    end_frame = _frame(captioned, narration.duration_s + 0.3)  # after the last sentence: the end card...
    held = _frame(captioned, narration.duration_s + END_HOLD_S - 0.3)  # ...held to the end
    assert [shown_slide(f) for f in (section_frame, gap_frame, point_frame, last_words, end_frame, held)] == [
        1,
        1,
        2,
        2,
        3,
        3,
    ]
    assert caption_pixels(held) == 0
    assert caption_pixels(section_frame) > 2000
    # The page's file is clean (its captions are the <track>): the same moment, same slide, no caption box.
    clean_frame = _frame(result.mp4_path, mid(cues[1]))
    assert shown_slide(clean_frame) == 1 and caption_pixels(clean_frame) == 0
    assert caption_pixels(gap_frame) == 0
    assert caption_pixels(point_frame) > 500

    # The burned caption (a long sentence wrapped to two lines) stays inside the safe area.
    slide = np.asarray(Image.open(slides[1]).convert("RGB"), dtype=np.int16)
    changed = np.abs(np.asarray(section_frame, dtype=np.int16) - slide).max(axis=2) > 60
    rows = np.nonzero(changed.sum(axis=1) >= 10)[0]  # ignore stray compression speckles
    cols = np.nonzero(changed.sum(axis=0) >= 10)[0]
    assert len(rows) > 100 and len(cols) > 500
    safe = layout.safe
    assert safe.left <= cols.min() and cols.max() < safe.right
    assert band.top - 2 <= rows.min() and rows.max() < safe.bottom


def test_landscape_video_without_images_in_an_awkward_directory(tmp_path, narration):
    awkward = tmp_path / "it's: a, [strange] dir"  # exercises ffmpeg filter-path escaping
    document = _document(blocks=(DocumentBlock("paragraph", text=SENTENCES[1][0]),), share_url="")
    result = render_video(
        document, narration, awkward, orientation="landscape", basename="clip", work_dir=awkward / "work"
    )
    _assert_playable_mp4(result, narration, 1920, 1080)
    assert result.mp4_path == awkward / "clip.mp4"
    assert any("QR" in w for w in result.warnings)
    with Image.open(result.poster_path) as poster:
        assert poster.size == (1920, 1080)


def test_undecodable_illustration_gives_a_warning_and_still_a_video(tmp_path, narration):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)
    good = tmp_path / "good.jpg"
    Image.new("RGB", (800, 600), (30, 140, 200)).save(good)
    document = _document(
        blocks=(
            DocumentBlock("heading", text="什么是高血压"),
            DocumentBlock("image", image=DocumentImage(path=broken, alt_text="坏图")),
            DocumentBlock("image", image=DocumentImage(path=good, alt_text="好图", width=800, height=600)),
            DocumentBlock("paragraph", text=SENTENCES[1][0]),
        )
    )
    result = render_video(document, narration, tmp_path / "out")
    assert len(result.warnings) == 1 and "broken.png" in result.warnings[0]
    _assert_playable_mp4(result, narration, 1080, 1920)
    blue = np.asarray(_frame(result.mp4_path, (narration.cues[1].start + narration.cues[1].end) / 2))
    assert ((np.abs(blue.astype(int) - (30, 140, 200)).max(axis=2)) < 25).sum() > 100_000  # the good picture is shown


def test_missing_audio_is_a_clear_error(tmp_path):
    from media_pipeline.render.video import VideoRenderError

    missing = Narration(tmp_path / "nope.mp3", 5.0, ())
    with pytest.raises(VideoRenderError, match="does not exist"):
        render_video(_document(), missing, tmp_path)


def _pattern(path: Path) -> DocumentImage:
    """A detailed picture (stripes and rings), so any move of the view changes its pixels."""
    y, x = np.mgrid[0:900, 0:1200]
    rings = (np.sin(np.hypot(x - 700, y - 400) / 9) > 0) * 120
    stripes = ((x // 23 + y // 31) % 2) * 90
    Image.fromarray(np.stack([rings + 40, stripes + 60, 255 - rings // 2], axis=2).astype(np.uint8)).save(path)
    return DocumentImage(path=path, alt_text="血压计示意图", width=1200, height=900)


def _rendered_slides(document: ArticleDocument, work: Path):
    """Where each slide's text and picture are (the renderer's own geometry), in the video's order."""
    from media_pipeline.render.slides import SlideRenderer, plan_slides

    renderer = SlideRenderer(document, 1080, 1920)
    return renderer.render_all(plan_slides(document), work / "geometry")


def _pixels(frame: Image.Image, box) -> np.ndarray:
    return np.asarray(frame.crop((box.left, box.top, box.right, box.bottom)), dtype=np.float64)


@pytest.fixture(scope="module")
def illustrated(tmp_path_factory, narration):
    """A section with a detailed illustration, then a key point: rendered once for the tests below."""
    from media_pipeline.render.video import EncodeSettings

    tmp = tmp_path_factory.mktemp("illustrated")
    document = _document(
        blocks=(
            DocumentBlock("heading", text="什么是高血压"),
            DocumentBlock("paragraph", text=SENTENCES[1][0]),
            DocumentBlock("image", image=_pattern(tmp / "pattern.png")),
            DocumentBlock("key_points", items=("每天测量血压",)),
        )
    )
    result = render_video(document, narration, tmp / "out", work_dir=tmp / "work", settings=EncodeSettings())
    return document, result, _rendered_slides(document, tmp)


def test_the_illustration_drifts_while_the_words_stay_still(illustrated, narration):
    document, result, slides = illustrated
    _assert_playable_mp4(result, narration, 1080, 1920)
    section = slides[1]
    assert section.spec.kind == "section" and section.illustration_box is not None
    picture, text = section.illustration_box, section.text_boxes[-1]  # the spoken sentence, under the picture
    cue = narration.cues[1]
    early, late = _frame(result.mp4_path, cue.start + 0.5), _frame(result.mp4_path, cue.end + 0.5)
    # the picture moved (a slow zoom and pan: every detail shifts a little)...
    assert np.abs(_pixels(early, picture) - _pixels(late, picture)).mean() > 8
    # ...and the words did not: as drawn on the slide in both frames, up to compression (no stroke moved)
    drawn = _pixels(section.image, text)
    for frame in (early, late):
        assert np.abs(_pixels(frame, text) - drawn).mean() < 4
        assert (np.abs(_pixels(frame, text) - drawn).max(axis=2) > 64).mean() < 0.005
    # the drift starts from the slide's own framing, so the slide fades in without a jump
    start = _frame(result.mp4_path, cue.start + 0.3)  # just after the crossfade (centred on the change)
    assert (
        np.abs(_pixels(start, picture) - _pixels(section.image, picture)).mean()
        < np.abs(_pixels(late, picture) - _pixels(section.image, picture)).mean()
    )


def test_a_slide_change_is_a_crossfade(illustrated, narration):
    from media_pipeline.render.video import CROSSFADE_S

    document, result, slides = illustrated
    change = narration.cues[2].start  # the key point's sentence: section -> key point
    region = slides[1].text_boxes[-1]  # still on both sides of the change: the section's sentence vs the card
    before = _pixels(_frame(result.mp4_path, change - CROSSFADE_S), region)
    after = _pixels(_frame(result.mp4_path, change + CROSSFADE_S), region)
    middle = _pixels(_frame(result.mp4_path, change + 0.02), region)
    assert np.sqrt(((before - after) ** 2).mean()) > 20  # the two slides differ there
    # the middle frame is a blend of its neighbours: middle = a*before + (1-a)*after, a fitted
    a = float(((middle - after) * (before - after)).sum() / ((before - after) ** 2).sum())
    assert 0.25 < a < 0.75
    assert np.sqrt(((middle - (a * before + (1 - a) * after)) ** 2).mean()) < 4


def test_the_end_card_holds_after_the_voice_and_the_poster_shows_the_illustrated_slide(illustrated, narration):
    from media_pipeline.render.video import CROSSFADE_S

    document, result, slides = illustrated
    end = np.asarray(slides[-1].image, dtype=np.float64)
    assert END_HOLD_S - CROSSFADE_S >= 3.0
    for seconds in (narration.duration_s + CROSSFADE_S + 0.05, narration.duration_s + END_HOLD_S - 0.1):
        shown = np.asarray(_frame(result.mp4_path, seconds), dtype=np.float64)
        assert np.abs(shown - end).mean() < 2  # the whole end card, fully faded in, for at least 3 s
    with Image.open(result.poster_path) as poster:
        frame = np.asarray(poster.convert("RGB"), dtype=np.float64)
    distances = [np.abs(frame - np.asarray(slide.image, dtype=np.float64)).mean() for slide in slides]
    assert int(np.argmin(distances)) == 1  # the section with its picture, not the title card of frame 0


def test_the_music_bed_is_quieter_under_the_voice_than_in_the_end_card_hold(tmp_path):
    """The voice is a 1.5 kHz tone (5 s), so the bed (chords below 400 Hz) can be measured beside it."""
    from media_pipeline.render.video import EncodeSettings

    rate = 44100
    t = np.arange(5 * rate) / rate
    wav, mp3 = tmp_path / "voice.wav", tmp_path / "voice.mp3"
    with wave.open(str(wav), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes((0.3 * np.sin(2 * np.pi * 1500 * t) * 32767).astype("<i2").tobytes())
    subprocess.run([ffmpeg_exe(), "-v", "error", "-y", "-i", str(wav), "-b:a", "96k", str(mp3)], check=True)
    text = "每天测量血压。"
    narration = Narration(mp3, 5.0, (Cue(0.0, 5.0, text),))
    document = ArticleDocument(
        title="测血压", language="zh-hans", blocks=(DocumentBlock("paragraph", text=text),), share_url=""
    )
    result = render_video(document, narration, tmp_path / "out", settings=EncodeSettings(music_bed=True))
    pcm = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-i", str(result.mp4_path), "-ac", "1", "-ar", "16000", "-f", "s16le", "-"],
        capture_output=True,
        check=True,
    ).stdout
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64) / 32768

    def bed_level(start: float, end: float) -> float:
        """RMS of what lies below 400 Hz in [start, end) s: the bed, not the voice."""
        window = samples[int(start * 16000) : int(end * 16000)]
        spectrum = np.fft.rfft(window)
        spectrum[np.fft.rfftfreq(len(window), 1 / 16000) > 400] = 0
        return float(np.sqrt((np.fft.irfft(spectrum, len(window)) ** 2).mean()))

    under_voice, in_hold = bed_level(3.0, 4.6), bed_level(5.8, 7.2)  # after the bed's 2 s fade-in; the hold ends at 8.5
    assert in_hold > 10 ** (-45 / 20)  # music is playing in the hold...
    assert under_voice < in_hold * 10 ** (-10 / 20)  # ...and is at least 10 dB lower while the voice speaks


def test_a_long_narration_keeps_every_frame_on_its_slot(tmp_path):
    """Two minutes of mostly still slides: well over a hundred variable-rate gaps for ffmpeg to place."""
    rate, seconds = 16000, 130.0
    t = np.arange(int(seconds * rate)) / rate
    wav, mp3 = tmp_path / "voice.wav", tmp_path / "voice.mp3"
    with wave.open(str(wav), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes((0.2 * np.sin(2 * np.pi * 300 * t) * (np.sin(np.pi * t) > 0) * 32767).astype("<i2").tobytes())
    subprocess.run([ffmpeg_exe(), "-v", "error", "-y", "-i", str(wav), "-b:a", "48k", str(mp3)], check=True)
    sentences = [f"第{n}条建议：每天按时服药，定期复查。" for n in range(1, 9)]
    cues = tuple(Cue(n * seconds / 8 + 0.3, (n + 1) * seconds / 8 - 0.3, text) for n, text in enumerate(sentences))
    document = _document(blocks=(DocumentBlock("paragraph", text="".join(sentences)),), share_url="")
    result = render_video(document, Narration(mp3, seconds, cues), tmp_path / "out")
    info = _ffprobe(result.mp4_path)
    assert abs(float(info["format"]["duration"]) - (seconds + END_HOLD_S)) <= 0.25
    packets = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-select_streams",
            "v",
            "-show_entries",
            "packet=pts_time",
            "-of",
            "csv=p=0",
            str(result.mp4_path),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    times = sorted(float(line) for line in packets.stdout.split())
    assert len(times) > 130 and times[0] == 0.0
    assert max(b - a for a, b in zip(times, times[1:], strict=False)) <= 1.0 + 1e-6
    assert times[-1] >= seconds + END_HOLD_S - 0.2  # the end card is there to the end


def test_a_drift_gets_a_frame_each_time_the_picture_moves_half_a_pixel(illustrated, narration):
    """Variable frame rate inside a move: frames come as the picture moves, in small, even steps."""
    from media_pipeline.render.video import CROSSFADE_S, EncodeSettings

    document, result, slides = illustrated
    picture = slides[1].illustration_box
    begin, end = narration.cues[1].start + CROSSFADE_S, narration.cues[2].start - CROSSFADE_S  # the section, still text
    w, h = picture.right - picture.left, picture.bottom - picture.top
    raw = subprocess.run(
        [
            ffmpeg_exe(),
            "-loglevel",
            "error",
            "-i",
            str(result.mp4_path),
            "-vf",
            f"trim=start={begin:.2f}:end={end:.2f},crop={w}:{h}:{picture.left}:{picture.top}",
            "-fps_mode",
            "passthrough",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-",
        ],
        check=True,
        capture_output=True,
    ).stdout
    frames = np.frombuffer(raw, dtype=np.uint8).reshape(-1, h, w, 3).astype(np.float64)
    grid = EncodeSettings().fps
    assert (end - begin) * 1.5 < len(frames) < (end - begin) * grid  # more than the still 1/s, not every grid frame
    steps = [np.abs(b - a).mean() for a, b in zip(frames, frames[1:], strict=False)]
    whole = np.abs(frames[-1] - frames[0]).mean()
    assert whole > 3 * max(steps)  # no jump: each frame moves the picture a small part of the way
