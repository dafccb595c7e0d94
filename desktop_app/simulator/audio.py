"""Small real recordings, made in code: a WAV of a few seconds per call.

A recording starts with the short beep PBXs play when recording begins, then two
"voices" (hummed tones of different pitch) take turns, so a player shows something
that sounds and looks like a conversation. Each call id gives its own, stable file.
"""

from __future__ import annotations

import io
import math
import random
import wave
from array import array
from functools import lru_cache

SAMPLE_RATE = 8000  # telephone quality keeps the files small (16 KB per second)
DEFAULT_SECONDS = 4.0
CONTENT_TYPE = "audio/wav"
_PEAK = 0.35 * 32767
_FADE_SECONDS = 0.01  # ramps at each edge avoid clicks


def _segment(samples: array, count: int, freq: float, *, vibrato: float = 0.0) -> None:
    fade = max(1, int(_FADE_SECONDS * SAMPLE_RATE))
    phase = 0.0
    for i in range(count):
        t = i / SAMPLE_RATE
        current = freq * (1.0 + vibrato * math.sin(2 * math.pi * 5.0 * t))
        phase += 2 * math.pi * current / SAMPLE_RATE
        envelope = min(1.0, i / fade, (count - 1 - i) / fade)
        # A second harmonic makes a hum sound less like a test tone.
        value = math.sin(phase) + 0.3 * math.sin(2 * phase)
        samples.append(int(_PEAK * envelope * value / 1.3))


def _silence(samples: array, count: int) -> None:
    samples.extend([0] * count)


def _count(seconds: float) -> int:
    return max(1, int(seconds * SAMPLE_RATE))


def encode_wav(samples: array) -> bytes:
    """16-bit mono PCM at :data:`SAMPLE_RATE`, little-endian as WAV requires."""
    data = array("h", samples)
    if data.itemsize != 2:  # pragma: no cover - every platform Python runs on has 2-byte shorts
        raise RuntimeError("array('h') is not 16-bit here")
    if array("h", [1]).tobytes() != b"\x01\x00":  # big-endian host
        data.byteswap()
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(data.tobytes())
    return buffer.getvalue()


def tone_wav(seconds: float, freq: float = 440.0) -> bytes:
    """A plain tone, for checks and demos."""
    if seconds <= 0 or freq <= 0:
        raise ValueError("seconds and freq must be positive")
    samples = array("h")
    _segment(samples, _count(seconds), freq)
    return encode_wav(samples)


@lru_cache(maxsize=64)
def recording_wav(call_id: str, seconds: float = DEFAULT_SECONDS) -> bytes:
    """The recording of ``call_id``: a beep, then two voices taking turns."""
    if seconds <= 0:
        raise ValueError("seconds must be positive")
    rng = random.Random(call_id)
    voices = (rng.uniform(180.0, 240.0), rng.uniform(280.0, 360.0))
    samples = array("h")
    _segment(samples, _count(0.25), 1000.0)  # "the call is being recorded"
    _silence(samples, _count(0.15))
    total = _count(seconds)
    speaker = 0
    while len(samples) < total:
        _segment(samples, min(total - len(samples), _count(rng.uniform(0.4, 0.9))), voices[speaker], vibrato=0.04)
        _silence(samples, min(total - len(samples), _count(rng.uniform(0.1, 0.3))))
        speaker = 1 - speaker
    del samples[total:]
    return encode_wav(samples)
