"""Recordings made in code are real WAV files, stable per call and different between calls."""

from __future__ import annotations

import io
import wave
from array import array

import pytest

from desktop_app.simulator.audio import SAMPLE_RATE, recording_wav, tone_wav


def frames(data: bytes) -> tuple:
    with wave.open(io.BytesIO(data)) as wav:
        params = wav.getparams()
        samples = array("h", wav.readframes(wav.getnframes()))
    return params, samples


def test_recording_is_a_short_mono_wav_with_sound():
    params, samples = frames(recording_wav("06ae768a3ca234f0"))
    assert (params.nchannels, params.sampwidth, params.framerate) == (1, 2, SAMPLE_RATE)
    assert params.nframes == 4 * SAMPLE_RATE
    assert max(samples) > 5000 and min(samples) < -5000  # audible, not silence
    assert samples.count(0) > SAMPLE_RATE // 10  # pauses between the "voices"


def test_recording_is_stable_per_call_and_differs_between_calls():
    assert recording_wav("a") == recording_wav("a")
    assert recording_wav("a") != recording_wav("b")
    assert frames(recording_wav("a", 1.5))[0].nframes == int(1.5 * SAMPLE_RATE)
    assert frames(recording_wav("a", 0.1))[0].nframes == int(0.1 * SAMPLE_RATE)


def test_tone():
    params, samples = frames(tone_wav(0.5, 1000.0))
    assert params.nframes == SAMPLE_RATE // 2
    # 1 kHz at 8 kHz: 1000 rising zero crossings per second, give or take the fades
    crossings = sum(1 for a, b in zip(samples, samples[1:]) if a < 0 <= b)
    assert 490 <= crossings <= 510


@pytest.mark.parametrize(("seconds", "freq"), [(0, 440.0), (-1, 440.0), (1, 0)])
def test_tone_rejects_nonsense(seconds, freq):
    with pytest.raises(ValueError):
        tone_wav(seconds, freq)
    with pytest.raises(ValueError):
        recording_wav("x", 0)
