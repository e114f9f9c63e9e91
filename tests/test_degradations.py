"""Each degradation is declared once, discovered, and does what it promises, measured on its output.

The audio is generated (a broadband mix of harmonics and noise, pure tones, a noise burst), so no test
needs ``../shared``; one test repeats the main measurements on a real GTZAN clip when it is there.
The tolerances, and why:

- band limits: above the cutoff (the Nyquist frequency of the rate resampled through) at least
  :data:`STOP_BAND_DROP_DB` below the input's energy there; below :data:`PASS_BAND_EDGE` of the cutoff
  within :data:`PASS_BAND_DB` of the input's; between them lies the resampler's transition band, untested;
- MP3: exactly the input's length, aligned (the correlation peaks at lag 0), different from the input
  but correlated above :data:`MP3_CORRELATION`, and 32 kbit/s loses more energy above 5 kHz than 64;
- noise: the SNR measured (input against output minus input) within 0.5 dB of the target, and the
  added noise's spectral slope (100 Hz - 8 kHz) within 0.5 dB per octave of the declared one (white 0,
  pink -3);
- gain: the RMS level changes by the declared dB within 0.1 dB;
- clipping: the peak equals the threshold, the declared share of samples sits at it (within 10 % of
  that share), and the other samples are the input times one common factor;
- pitch shift: a pure tone's frequency moves by the declared semitones within 0.1 semitone;
- time stretch: the length is the input's divided by the rate within 1 %, the pitch kept within 0.1 semitone;
- reverb: after a noise burst ends, the output rings on (100-300 ms later within 30 dB of the burst's
  level, where the input is silent) with a reverberation time between 0.5 and 2 s.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
import scipy.signal
import soundfile

from genre_utils.data.degradations import (
    FAMILIES,
    Degradation,
    degradation_names,
    degradation_table,
    degradations,
    get_degradation,
    register,
    unregister,
)

SAMPLE_RATE = 22050
SECONDS = 3.0
STOP_BAND_DROP_DB = 60.0
PASS_BAND_EDGE = 0.9
PASS_BAND_DB = 0.5
MP3_CORRELATION = {64: 0.95, 32: 0.9}
SNR_TOLERANCE_DB = 0.5
SLOPE_TOLERANCE_DB_PER_OCTAVE = 0.5  # within 0.1 over 30 seeds; the library's default colouring misses by up to 1.5
SLOPE_BAND_HZ = (100.0, 8000.0)
GAIN_TOLERANCE_DB = 0.1
CLIPPED_SHARE_TOLERANCE = 0.1  # relative
SEMITONE_TOLERANCE = 0.1
LENGTH_TOLERANCE = 0.01  # relative
RT60_RANGE_S = (0.5, 2.0)
NAMES = degradation_names()


def broadband(seconds: float = SECONDS, sample_rate: int = SAMPLE_RATE, peak: float = 0.5) -> np.ndarray:
    """Harmonic series on three fundamentals up to Nyquist, plus white noise: energy in every band."""
    rng = np.random.default_rng(0)
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    harmonics = sum(
        np.sin(2 * np.pi * f0 * k * t + rng.uniform(0, 2 * np.pi)) / k
        for f0 in (110.0, 165.0, 220.0)
        for k in range(1, 100)
        if f0 * k < sample_rate / 2
    )
    mix = 0.4 * harmonics / np.max(np.abs(harmonics)) + 0.05 * rng.standard_normal(t.size)
    return (peak * mix / np.max(np.abs(mix))).astype(np.float32)


def pure_tone(frequency: float = 440.0, seconds: float = SECONDS) -> np.ndarray:
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    return (0.5 * np.sin(2 * np.pi * frequency * t)).astype(np.float32)


def band_energy(samples: np.ndarray, low: float, high: float, sample_rate: int = SAMPLE_RATE) -> float:
    """Energy of ``samples`` between ``low`` and ``high`` Hz (Hann-windowed spectrum)."""
    spectrum = np.abs(np.fft.rfft(samples.astype(np.float64) * np.hanning(samples.size))) ** 2
    frequencies = np.fft.rfftfreq(samples.size, 1 / sample_rate)
    return float(spectrum[(frequencies >= low) & (frequencies < high)].sum())


def decibels(ratio: float) -> float:
    return float(10 * np.log10(ratio))


def rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(samples.astype(np.float64) ** 2)))


def dominant_frequency(samples: np.ndarray) -> float:
    """The frequency of the spectrum's peak (Hann window, zero-padded 8 times: 0.04 Hz bins on 3 s)."""
    padded = 8 * samples.size
    spectrum = np.abs(np.fft.rfft(samples.astype(np.float64) * np.hanning(samples.size), padded))
    return float(np.fft.rfftfreq(padded, 1 / SAMPLE_RATE)[np.argmax(spectrum)])


def spectral_slope_db_per_octave(noise: np.ndarray) -> float:
    """The least-squares slope of the noise's power spectral density (Welch) against log2 frequency."""
    frequencies, density = scipy.signal.welch(noise.astype(np.float64), SAMPLE_RATE, nperseg=4096)
    band = (frequencies >= SLOPE_BAND_HZ[0]) & (frequencies <= SLOPE_BAND_HZ[1])
    return float(np.polyfit(np.log2(frequencies[band]), 10 * np.log10(density[band]), 1)[0])


def of_family(family: str) -> list[str]:
    return [d.name for d in degradations(family)]


# --- the registry ------------------------------------------------------------------------------------


def test_the_registry_discovers_every_declaration_of_the_first_set():
    declared = degradations()
    names = [d.name for d in declared]
    assert len(set(names)) == len(names)
    assert {"band_8k", "band_11k", "band_16k", "mp3_64k", "mp3_32k"} <= set(names)
    assert {f"{colour}_{snr}db" for colour in ("white", "pink") for snr in (30, 20, 10)} <= set(names)
    assert {d.family for d in declared} == set(FAMILIES)  # every family has at least one
    assert [d.family for d in declared] == sorted((d.family for d in declared), key=list(FAMILIES).index)
    for degradation in declared:
        assert isinstance(degradation, Degradation) and get_degradation(degradation.name) is degradation
        assert degradation.title.strip() and degradation.rationale.strip() and degradation.parameters
        assert all(isinstance(value, (int, float, str)) for value in degradation.parameters.values()), degradation.name
    assert [d.name for d in declared if not d.keeps_length] == [d.name for d in declared if "rate" in d.parameters]
    assert [d.name for d in declared if d.seeded] == of_family("noise")  # only the noise is random
    table = degradation_table()
    assert list(table.index) == names and {"title", "family", "parameters", "rationale"} <= set(table.columns)


def test_an_unknown_family_is_one_value_error_naming_the_known_ones():
    with pytest.raises(ValueError, match=r"^unknown degradation family 'eq'; expected one of band_limit, lossy"):
        degradations("eq")


def test_a_throwaway_degradation_is_listed_last_in_its_family():
    def louder(samples, sample_rate, *, factor):
        return samples * factor

    throwaway = Degradation(
        name="throwaway_louder",
        title="Louder",
        family="level",
        parameters={"factor": 2.0},
        rationale="a test's own",
        function=louder,
    )
    try:
        assert register(throwaway) is throwaway and of_family("level")[-1] == "throwaway_louder"
        np.testing.assert_array_equal(throwaway.apply(np.full(4, 0.25, np.float32), SAMPLE_RATE, 0), np.full(4, 0.5))
        assert Degradation(**{**throwaway.summary(), "function": louder}).summary() == throwaway.summary()
    finally:
        unregister("throwaway_louder")


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"family": "eq"}, r"^degradation 'x': unknown family 'eq'; expected one of band_limit, lossy, noise"),
        ({"rationale": " "}, "declares no rationale"),
        ({"parameters": {}}, "declares no parameters"),
        ({"function": None}, "declares no callable function"),
    ],
)
def test_a_declaration_says_what_is_missing(changes, message):
    fields = {
        "name": "x",
        "title": "X",
        "family": "level",
        "parameters": {"gain_db": 1.0},
        "rationale": "why",
        "function": lambda samples, sample_rate, gain_db: samples,
    }
    with pytest.raises(ValueError, match=message):
        Degradation(**{**fields, **changes})


def test_parameters_are_read_only():
    with pytest.raises(TypeError):
        get_degradation("band_8k").parameters["sample_rate_through"] = 4000


# --- what every degradation promises ---------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_same_output_mono_float32_finite_and_the_input_untouched(name):
    degradation = get_degradation(name)
    samples = broadband(peak=0.99)
    before = samples.copy()
    numpy_state, python_state = np.random.get_state(), random.getstate()
    degraded = degradation.apply(samples, SAMPLE_RATE, 7)
    np.testing.assert_array_equal(samples, before)
    assert degraded.dtype == np.float32 and degraded.ndim == 1 and np.all(np.isfinite(degraded))
    assert degraded.tobytes() == degradation.apply(samples, SAMPLE_RATE, 7).tobytes()  # bit for bit
    assert (degraded.size == samples.size) == degradation.keeps_length
    assert not np.array_equal(degraded[: samples.size], samples)
    if degradation.bounded:
        assert np.max(np.abs(degraded)) <= 1.0
    other_seed = degradation.apply(samples, SAMPLE_RATE, 8)
    assert np.array_equal(other_seed, degraded) != degradation.seeded
    assert random.getstate() == python_state  # the caller's random streams are left as they were
    assert all(np.array_equal(a, b) for a, b in zip(np.random.get_state(), numpy_state))


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(
    "samples, problem",
    [
        (np.zeros((2, 100), np.float32), r"takes mono audio, a 1-D array; got shape \(2, 100\)"),
        (np.array([0.1, np.nan, 0.2], np.float32), "takes finite samples"),
        (np.array([0.1, np.inf], np.float64), "takes finite samples"),
        (np.zeros(100, np.int16), "takes floating-point samples"),
        (np.zeros(0, np.float32), "got no samples"),
    ],
)
def test_bad_input_is_a_value_error_naming_the_degradation(name, samples, problem):
    with pytest.raises(ValueError, match=rf"^degradation '{name}' {problem}"):
        get_degradation(name).apply(samples, SAMPLE_RATE, 0)


def test_float64_input_is_taken_as_float32():
    samples = broadband()
    np.testing.assert_array_equal(
        get_degradation("band_8k").apply(samples.astype(np.float64), SAMPLE_RATE, 0),
        get_degradation("band_8k").apply(samples, SAMPLE_RATE, 0),
    )


@pytest.mark.parametrize(
    "sample_rate, seed, problem",
    [
        (0, 0, "sample_rate must be a positive integer, got 0"),
        (22050.0, 0, "sample_rate must be a positive integer"),
        (SAMPLE_RATE, -1, r"seed must be an integer in \[0, 2\*\*32\), got -1"),
        (SAMPLE_RATE, 2**32, "seed must be"),
        (SAMPLE_RATE, 1.5, "seed must be"),
    ],
)
def test_a_bad_sample_rate_or_seed_is_a_value_error(sample_rate, seed, problem):
    with pytest.raises(ValueError, match=rf"^degradation 'white_20db': {problem}"):
        get_degradation("white_20db").apply(broadband(0.1), sample_rate, seed)


# --- band limits ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", of_family("band_limit"))
def test_a_band_limit_leaves_nothing_above_its_cutoff_and_keeps_the_band_below(name):
    degradation = get_degradation(name)
    cutoff = degradation.parameters["sample_rate_through"] / 2
    samples = broadband()
    degraded = degradation.apply(samples, SAMPLE_RATE, 0)
    above = decibels(band_energy(degraded, cutoff, SAMPLE_RATE / 2) / band_energy(samples, cutoff, SAMPLE_RATE / 2))
    assert above <= -STOP_BAND_DROP_DB, f"{name}: only {-above:.1f} dB less energy above {cutoff:.0f} Hz"
    edge = PASS_BAND_EDGE * cutoff
    below = decibels(band_energy(degraded, 20, edge) / band_energy(samples, 20, edge))
    assert abs(below) <= PASS_BAND_DB, f"{name}: the band below {edge:.0f} Hz changed by {below:.2f} dB"


def test_a_band_limit_at_or_above_the_clips_own_rate_leaves_it_unchanged():
    samples = broadband(sample_rate=16000)
    np.testing.assert_array_equal(get_degradation("band_16k").apply(samples, 16000, 0), samples)
    assert not np.array_equal(get_degradation("band_8k").apply(samples, 16000, 0), samples)


# --- MP3 -------------------------------------------------------------------------------------------------


def correlation_at_lags(reference: np.ndarray, degraded: np.ndarray, lags: range) -> dict[int, float]:
    middle = slice(2000, reference.size - 2000)
    return {lag: float(np.corrcoef(reference[middle], np.roll(degraded, -lag)[middle])[0, 1]) for lag in lags}


@pytest.mark.parametrize("name", of_family("lossy"))
@pytest.mark.parametrize(
    "sample_rate, length", [(SAMPLE_RATE, int(SECONDS * SAMPLE_RATE)), (44100, 54321), (16000, 700)]
)
def test_an_mp3_round_trip_keeps_the_length_and_lines_up(name, sample_rate, length):
    samples = broadband(seconds=(length + 1) / sample_rate, sample_rate=sample_rate)[:length]
    degraded = get_degradation(name).apply(samples, sample_rate, 0)
    assert degraded.size == samples.size == length
    assert not np.array_equal(degraded, samples)
    if length > 10000:
        correlations = correlation_at_lags(samples, degraded, range(-20, 21))
        assert max(correlations, key=correlations.get) == 0, f"{name} at {sample_rate} Hz is not aligned"
        assert correlations[0] > MP3_CORRELATION[get_degradation(name).parameters["bitrate_kbps"]]


def test_32_kbits_loses_more_high_frequencies_than_64():
    samples = broadband()
    lost = {
        rate: decibels(
            band_energy(get_degradation(f"mp3_{rate}k").apply(samples, SAMPLE_RATE, 0), 5000, 11025)
            / band_energy(samples, 5000, 11025)
        )
        for rate in (64, 32)
    }
    assert lost[32] < lost[64] - 1.0, lost


def test_an_mp3_at_a_rate_mp3_cannot_carry_is_a_value_error():
    with pytest.raises(
        ValueError,
        match=r"^degradation 'mp3_64k': an MP3 cannot carry 12345 Hz; MP3 sample rates "
        r"are 8000, 11025",
    ):
        get_degradation("mp3_64k").apply(broadband(0.5, 12345), 12345, 0)


# --- noise -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", of_family("noise"))
def test_noise_is_added_at_the_declared_snr_with_the_declared_colour(name):
    degradation = get_degradation(name)
    samples = broadband()
    noise = degradation.apply(samples, SAMPLE_RATE, 3).astype(np.float64) - samples
    snr = decibels(np.sum(samples.astype(np.float64) ** 2) / np.sum(noise**2))
    assert abs(snr - degradation.parameters["snr_db"]) <= SNR_TOLERANCE_DB, f"{name}: SNR {snr:.2f} dB"
    slope = spectral_slope_db_per_octave(noise)
    expected = degradation.parameters["decay_db_per_octave"]
    assert abs(slope - expected) <= SLOPE_TOLERANCE_DB_PER_OCTAVE, f"{name}: {slope:.2f} dB/octave, not {expected:.2f}"


def test_white_is_flat_and_pink_falls_3_db_per_octave():
    assert get_degradation("white_20db").parameters["decay_db_per_octave"] == 0.0
    assert get_degradation("pink_20db").parameters["decay_db_per_octave"] == pytest.approx(-3.01, abs=0.01)


def test_a_silent_clip_gets_no_noise():
    silence = np.zeros(SAMPLE_RATE, np.float32)
    np.testing.assert_array_equal(get_degradation("pink_10db").apply(silence, SAMPLE_RATE, 0), silence)


# --- level -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [d.name for d in degradations("level") if "gain_db" in d.parameters])
def test_gain_changes_the_rms_level_by_the_declared_db(name):
    samples = broadband()
    degradation = get_degradation(name)
    change = 20 * np.log10(rms(degradation.apply(samples, SAMPLE_RATE, 0)) / rms(samples))
    assert abs(change - degradation.parameters["gain_db"]) <= GAIN_TOLERANCE_DB


@pytest.mark.parametrize("name", [d.name for d in degradations("level") if "percent_of_samples" in d.parameters])
@pytest.mark.parametrize("peak", [0.05, 0.5, 1.0])
def test_clipping_cuts_the_declared_share_of_samples_at_the_threshold(name, peak):
    degradation = get_degradation(name)
    threshold = 10 ** (degradation.parameters["threshold_db"] / 20)
    samples = broadband(peak=peak)
    clipped = degradation.apply(samples, SAMPLE_RATE, 0)
    assert np.max(np.abs(clipped)) == pytest.approx(threshold, rel=1e-6)
    at_threshold = np.abs(clipped) >= threshold * (1 - 1e-6)
    share = 100 * at_threshold.mean()
    assert share == pytest.approx(degradation.parameters["percent_of_samples"], rel=CLIPPED_SHARE_TOLERANCE)
    kept = ~at_threshold & (np.abs(samples) > 1e-3)
    factors = clipped[kept] / samples[kept]
    assert np.ptp(factors) <= 1e-4 * np.median(factors)  # the rest only amplified, by one common factor


def test_clipping_leaves_a_silent_clip_silent():
    silence = np.zeros(1000, np.float32)
    np.testing.assert_array_equal(get_degradation("clip_1pct").apply(silence, SAMPLE_RATE, 0), silence)


# --- pitch and time --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [d.name for d in degradations("pitch_time") if "semitones" in d.parameters])
def test_a_pitch_shift_moves_a_tone_by_the_declared_semitones(name):
    degradation = get_degradation(name)
    tone = pure_tone(440.0)
    shifted = degradation.apply(tone, SAMPLE_RATE, 0)
    assert shifted.size == tone.size
    semitones = 12 * np.log2(dominant_frequency(shifted) / 440.0)
    assert abs(semitones - degradation.parameters["semitones"]) <= SEMITONE_TOLERANCE, f"{name}: {semitones:.3f}"


@pytest.mark.parametrize("name", [d.name for d in degradations("pitch_time") if "rate" in d.parameters])
def test_a_time_stretch_changes_the_length_by_the_rate_and_keeps_the_pitch(name):
    degradation = get_degradation(name)
    tone = pure_tone(440.0)
    stretched = degradation.apply(tone, SAMPLE_RATE, 0)
    expected = tone.size / degradation.parameters["rate"]
    assert abs(stretched.size - expected) <= LENGTH_TOLERANCE * expected
    assert abs(12 * np.log2(dominant_frequency(stretched) / 440.0)) <= SEMITONE_TOLERANCE


# --- room ------------------------------------------------------------------------------------------------


def reverberation_time(samples: np.ndarray, start: int) -> float:
    """RT60 of what follows ``start``: Schroeder's backward-integrated energy decay, the -5 to -25 dB slope x 3."""
    energy = samples[start:].astype(np.float64) ** 2
    decay = np.cumsum(energy[::-1])[::-1]
    decay_db = 10 * np.log10(decay / decay[0] + 1e-30)
    return 3 * (np.argmax(decay_db <= -25) - np.argmax(decay_db <= -5)) / SAMPLE_RATE


@pytest.mark.parametrize("name", of_family("room"))
def test_the_room_rings_on_after_the_sound_stops(name):
    burst = np.zeros(3 * SAMPLE_RATE, np.float32)
    burst[:SAMPLE_RATE] = 0.3 * np.random.default_rng(0).standard_normal(SAMPLE_RATE)
    reverberant = get_degradation(name).apply(burst, SAMPLE_RATE, 0)
    level = np.mean(reverberant[:SAMPLE_RATE].astype(np.float64) ** 2)
    later = reverberant[SAMPLE_RATE + SAMPLE_RATE // 10 : SAMPLE_RATE + 3 * SAMPLE_RATE // 10].astype(np.float64)
    assert not np.any(burst[SAMPLE_RATE:]) and decibels(np.mean(later**2) / level) >= -30  # the input is silent there
    assert RT60_RANGE_S[0] <= reverberation_time(reverberant, SAMPLE_RATE) <= RT60_RANGE_S[1]


# --- on real music ---------------------------------------------------------------------------------------


def test_the_promises_hold_on_a_real_gtzan_clip(gtzan_excerpts):
    samples, sample_rate = soundfile.read(
        gtzan_excerpts / "genres" / "blues" / "blues.00000.wav", dtype="float32", frames=5 * SAMPLE_RATE
    )
    assert sample_rate == SAMPLE_RATE
    for degradation in degradations():
        degraded = degradation.apply(samples, sample_rate, 0)
        assert degraded.dtype == np.float32 and np.all(np.isfinite(degraded))
        assert (degraded.size == samples.size) == degradation.keeps_length
    band = get_degradation("band_8k").apply(samples, sample_rate, 0)
    assert decibels(band_energy(band, 4000, 11025) / band_energy(samples, 4000, 11025)) <= -STOP_BAND_DROP_DB
    noise = get_degradation("pink_20db").apply(samples, sample_rate, 0).astype(np.float64) - samples
    assert abs(decibels(np.sum(samples.astype(np.float64) ** 2) / np.sum(noise**2)) - 20) <= SNR_TOLERANCE_DB
    assert correlation_at_lags(samples, get_degradation("mp3_64k").apply(samples, sample_rate, 0), [0])[0] > 0.9
