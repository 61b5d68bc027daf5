"""espeak-ng: the offline default engine (Debian package ``espeak-ng``).

Chinese uses the ``cmn-latn-pinyin`` voice: with plain ``cmn`` the Debian
build reads many characters (年, 日, 高, 毫 ...) as English-spelled pinyin.
That voice is given tone-numbered pinyin, not characters: its own character
dictionary misreads polyphones (测量 as liàng) and knows no tone sandhi (一两次),
so :func:`~media_pipeline.speech.readings.to_tone_pinyin` decides the reading,
with the editors' pronunciation lexicon. One process per paragraph,
text on stdin (so text starting with "-" is never taken for an option), WAV
on stdout.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess

from media_pipeline.speech.readings import PronunciationLexicon, known_syllables, to_tone_pinyin
from media_pipeline.tts.base import (
    EngineUnavailableError,
    SpeechEngine,
    SynthesisError,
    SynthesisResult,
    SynthesisSettings,
    Voice,
)

_BASE_WPM = 175
_BASE_PITCH = 50
_BASE_AMPLITUDE = 100
PINYIN_VOICE = "cmn-latn-pinyin"
# espeak-ng's Mandarin tone contours in its phoneme mnemonics (``-x``); the rest (11, 22) is the neutral tone.
_TONE_CONTOURS = {"55": 1, "35": 2, "214": 3, "21": 3, "51": 4}
# One syllable in ``-x`` output: onset and vowel, tone digits, then a coda n/N (an n before a vowel or a
# stress mark starts the next syllable).
_PHONEME_SYLLABLE = re.compile(r"([^\d\s]+?)(\d+)(N|n(?![aeiouyAEIOU@'])|@r)?")


class EspeakEngine(SpeechEngine):
    name = "espeak"
    _voices = {
        "zh": (
            Voice(PINYIN_VOICE, "zh", "普通话 (espeak-ng)", "male"),
            Voice("cmn", "zh", "普通话 (espeak-ng, Latin as English)", "male"),
        ),
        "en": (
            Voice("en-us", "en", "English, US (espeak-ng)", "male"),
            Voice("en-gb", "en", "English, UK (espeak-ng)", "male"),
        ),
    }

    def __init__(self, *, executable: str = "espeak-ng", timeout: float = 120.0):
        self.executable = executable
        self.timeout = timeout

    def _binary(self) -> str:
        path = shutil.which(self.executable)
        if path is None:
            raise EngineUnavailableError(
                f"espeak-ng executable {self.executable!r} not found (Debian package: espeak-ng)"
            )
        return path

    def pronunciation_key(self, text: str, voice: str, lexicon: PronunciationLexicon | None) -> str | None:
        return (lexicon or PronunciationLexicon()).fingerprint(text) if voice == PINYIN_VOICE else None

    def espeak_input(self, text: str, voice: str, lexicon: PronunciationLexicon | None = None) -> str:
        """What espeak-ng is given for ``text``: pinyin for the pinyin voice, else the text itself."""
        return to_tone_pinyin(text, lexicon) if voice == PINYIN_VOICE else text

    def _phonemes(self, text: str, voice: str) -> str:
        cmd = [self._binary(), "-v", voice, "-q", "-x", "-b", "1", "--stdin"]
        try:
            proc = subprocess.run(cmd, input=text.encode("utf-8"), capture_output=True, timeout=self.timeout)
        except (subprocess.TimeoutExpired, OSError) as exc:
            raise EngineUnavailableError(f"cannot run espeak-ng: {exc}") from exc
        return proc.stdout.decode("utf-8", "replace")

    @functools.cached_property
    def _syllable_of_phonemes(self) -> dict[str, str]:
        """espeak's phonemes of every Mandarin syllable (toneless), read back from espeak itself."""
        syllables = sorted(known_syllables())
        # One clause, hence one output line, per syllable; the few without a vowel (hm, n) give none.
        spoken = self._phonemes(", ".join(f"{s.replace('ü', 'v')}1" for s in syllables), PINYIN_VOICE)
        lines = [line for line in spoken.splitlines() if line.strip()]
        if len(lines) != len(syllables):
            raise EngineUnavailableError(f"espeak-ng read {len(syllables)} syllables as {len(lines)} clauses")
        table: dict[str, str] = {}
        for syllable, line in zip(syllables, lines, strict=True):
            heard = _split_phonemes(line)
            if len(heard) == 1:
                table.setdefault(heard[0][0], syllable)
        return table

    def heard_syllables(self, espeak_input: str, voice: str = PINYIN_VOICE) -> list[str]:
        """What espeak-ng says for ``espeak_input``, as tone-numbered pinyin ("?1" where no syllable matches).

        Read from espeak's own phoneme output (``-x``), so it shows what the
        listener hears, whether espeak was given characters or pinyin.
        """
        table = self._syllable_of_phonemes
        heard = _split_phonemes(self._phonemes(espeak_input, voice))
        return [f"{table.get(phonemes, '?')}{tone}" for phonemes, tone in heard]

    def synthesize(
        self, text: str, voice: str, settings: SynthesisSettings, lexicon: PronunciationLexicon | None = None
    ) -> SynthesisResult:
        if not text.strip():
            raise SynthesisError("cannot synthesise empty text")
        text = self.espeak_input(text, voice, lexicon)
        speed = round(_BASE_WPM * (100 + settings.rate_percent) / 100)
        pitch = min(99, max(0, _BASE_PITCH + settings.pitch_hz // 2))
        amplitude = min(200, max(0, round(_BASE_AMPLITUDE * (100 + settings.volume_percent) / 100)))
        cmd = [
            self._binary(), "-v", voice, "-s", str(speed), "-p", str(pitch), "-a", str(amplitude),
            "-b", "1",  # input is UTF-8
            "--stdin", "--stdout",
        ]  # fmt: skip
        try:
            proc = subprocess.run(cmd, input=text.encode("utf-8"), capture_output=True, timeout=self.timeout)
        except subprocess.TimeoutExpired as exc:
            raise EngineUnavailableError(f"espeak-ng timed out after {self.timeout:g}s") from exc
        except OSError as exc:
            raise EngineUnavailableError(f"cannot run espeak-ng: {exc}") from exc
        stderr = proc.stderr.decode("utf-8", "replace").strip()
        if proc.returncode != 0 or "does not exist" in stderr:
            raise SynthesisError(f"espeak-ng failed (exit {proc.returncode}) for voice {voice!r}: {stderr}")
        # A 44-byte RIFF header and nothing else means nothing was spoken.
        if len(proc.stdout) <= 44 or not proc.stdout.startswith(b"RIFF"):
            raise SynthesisError(f"espeak-ng produced no audio for voice {voice!r}: {stderr or 'empty output'}")
        return SynthesisResult(audio=proc.stdout, audio_format="wav", engine=self.name, voice=voice)


def _split_phonemes(output: str) -> list[tuple[str, int]]:
    """(toneless phonemes, tone) per syllable of espeak-ng's ``-x`` output for Mandarin."""
    out: list[tuple[str, int]] = []
    for word in re.split(r"\s+|_[|:!]?", output):
        for match in _PHONEME_SYLLABLE.finditer(word.replace(",", "")):
            onset, contour, coda = match.groups()
            out.append((onset.replace("'", "") + (coda or ""), _TONE_CONTOURS.get(contour, 5)))
    return out
