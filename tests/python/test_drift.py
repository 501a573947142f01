"""ecgad.drift streaming detectors: river's documented alarm indices, the same levels from
update() and update_many(), JSON state round trips through json.dumps/loads, reset, late labels
in bursts, and ValueErrors for bad input and parameters."""
import json
import math
import random

import numpy as np
import pytest

import ecgad
from ecgad import drift

ALL = [drift.ADWIN, drift.PageHinkley, drift.CUSUM, drift.KSWIN, drift.DDM, drift.EDDM,
       drift.HDDMA]
ERROR_RATE = (drift.DDM, drift.EDDM, drift.HDDMA)


def two_regimes():
    rng = random.Random(12345)
    return rng.choices([0, 1], k=1000) + rng.choices(range(4, 8), k=1000)


def rising_error_rate():
    rng = random.Random(42)
    return rng.choices([0, 1], k=1000) + rng.choices([0, 1], k=1000, weights=[0.3, 0.7])


def stream_for(cls, n=6000, change=3000, seed=0):
    rng = np.random.default_rng(seed)
    if cls in ERROR_RATE:
        p = np.where(np.arange(n) < change, 0.1, 0.35)
        return (rng.random(n) < p).astype(np.float64)
    return rng.standard_normal(n) + np.where(np.arange(n) < change, 0.0, 1.5)


def drifts(levels):
    return np.flatnonzero(np.asarray(levels) == 2).tolist()


def first_warnings(levels):
    # As river's docstrings print them: the first warning after the start and after each drift.
    out, armed = [], True
    for i, level in enumerate(levels):
        if level == 1 and armed:
            out.append(i)
            armed = False
        if level == 2:
            armed = True
    return out


@pytest.mark.parametrize("cls, params, want", [
    (drift.ADWIN, {}, [1023]),
    (drift.PageHinkley, {}, [1006]),
])
def test_river_documented_examples_real_valued(cls, params, want):
    assert drifts(cls(**params).update_many(two_regimes())) == want


@pytest.mark.parametrize("cls, params, warnings, want", [
    (drift.DDM, {}, [1084, 1492], [1334]),
    (drift.EDDM, {"alpha": 0.8, "beta": 0.75}, [1059], [1278]),
    (drift.HDDMA, {}, [451], [1206]),
])
def test_river_documented_examples_error_rate(cls, params, warnings, want):
    levels = cls(**params).update_many(rising_error_rate())
    assert drifts(levels) == want
    assert first_warnings(levels) == warnings


@pytest.mark.parametrize("cls", ALL)
def test_update_and_update_many_agree_and_levels_are_enum(cls):
    x = stream_for(cls, 3000, 1500, seed=1)
    a, b = cls(), cls()
    one_by_one = [a.update(v) for v in x]
    assert all(isinstance(level, drift.DriftLevel) for level in one_by_one)
    many = b.update_many(x)
    assert many.dtype == np.int8 and many.shape == x.shape
    assert [int(level.value) for level in one_by_one] == many.tolist()
    assert a.state() == b.state()
    assert a.counters["n_updates"] == 3000
    assert a.counters["n_drifts"] == len(drifts(many)) >= 1


@pytest.mark.parametrize("cls", ALL)
def test_state_round_trips_through_json_text_and_continues_identically(cls):
    x = stream_for(cls, 8000, 4000, seed=2)
    a = cls()
    a.update_many(x[:3900])
    saved = json.loads(json.dumps(a.state()))  # what a file or the model bundle holds
    assert saved["detector"] == a.name
    b = cls.from_state(saved)
    assert b.config == a.config
    np.testing.assert_array_equal(a.update_many(x[3900:]), b.update_many(x[3900:]))
    assert a.state() == b.state()


@pytest.mark.parametrize("cls", ALL)
def test_reset_restores_the_initial_state(cls):
    d = cls()
    initial = d.state()
    d.update_many(stream_for(cls, 3000, 1500, seed=3))
    assert d.state() != initial
    d.reset()
    assert d.state() == initial
    assert d.counters == {"n_updates": 0, "n_warnings": 0, "n_drifts": 0, "last_drift": -1}


@pytest.mark.parametrize("cls", ALL)
def test_injected_change_is_detected(cls):
    levels = cls().update_many(stream_for(cls, 6000, 4000, seed=4))
    after = [i for i in drifts(levels) if i >= 4000]
    assert after and after[0] - 4000 <= 1000


def test_parameters_reach_the_detector_and_are_validated():
    assert drift.ADWIN(delta=0.01, clock=8).config["clock"] == 8
    assert drift.CUSUM().config["mean"] == "nan"  # estimated on the warm-up
    assert drift.CUSUM(mean=1.0, std=2.0).config["std"] == 2.0
    assert drift.PageHinkley(mode="up").config["mode"] == "increase"
    assert repr(drift.DDM()).startswith("DDM(")
    with pytest.raises(ValueError, match="delta must be in \\(0, 1\\), got 2"):
        drift.ADWIN(delta=2.0)
    with pytest.raises(ValueError, match="'clock' must be an integer, got 1.5"):
        drift.ADWIN(clock=1.5)
    with pytest.raises(ValueError, match="window_size must be >= 2 \\* stat_size"):
        drift.KSWIN(window_size=40, stat_size=30)
    with pytest.raises(ValueError, match="seed"):
        drift.KSWIN(seed=-1)
    with pytest.raises(ValueError, match="mode"):
        drift.PageHinkley(mode="sideways")
    with pytest.raises(ValueError, match="beta"):
        drift.EDDM(alpha=0.8, beta=0.85)
    with pytest.raises(ValueError, match="two_sided"):
        drift.HDDMA(two_sided="yes")
    with pytest.raises(ecgad.InvalidArgument, match="std"):
        drift.CUSUM(std=0.0)


def test_bad_input_is_a_value_error_and_changes_nothing():
    d = drift.ADWIN()
    d.update_many([1.0, 2.0])
    before = d.state()
    with pytest.raises(ValueError, match="finite"):
        d.update(float("nan"))
    with pytest.raises(ValueError, match="finite"):
        d.update_many([1.0, math.inf])
    with pytest.raises(ValueError, match="real number"):
        d.update("1.0")
    with pytest.raises(ValueError, match="1-D array of shape \\(n,\\)"):
        d.update_many(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="dtype"):
        d.update_many(np.array(["a"]))
    with pytest.raises(ValueError, match="0 \\(correct\\) or 1 \\(error\\), got 0.5"):
        drift.DDM().update(0.5)
    with pytest.raises(ValueError, match="one time per label"):
        drift.DDM().update_many([0, 1], prediction_time_s=[0.0])
    with pytest.raises(ValueError, match="cannot be restored"):
        drift.DDM().restore(d.state())
    with pytest.raises(ValueError, match="dict"):
        d.restore("{}")
    # The element before the NaN was applied (as in a loop of update()), nothing after it.
    assert d.counters["n_updates"] == before["counters"]["n_updates"] + 1


@pytest.mark.parametrize("cls", ERROR_RATE)
def test_late_labels_in_bursts_give_the_same_alarms_as_immediate(cls):
    errors = stream_for(cls, 6000, 3000, seed=5)
    times = np.arange(errors.size, dtype=np.float64)  # prediction i made at t = i s
    immediate = cls()
    levels_now = immediate.update_many(errors, prediction_time_s=times)
    assert drifts(levels_now)
    # A reviewer labels the queue in sessions: bursts of consecutive labels, hours late.
    late = cls()
    rng = np.random.default_rng(6)
    cuts = np.unique(np.r_[0, np.sort(rng.integers(1, errors.size, 40)), errors.size])
    levels_late = np.concatenate([
        late.update_many(errors[a:b], prediction_time_s=times[a:b])
        for a, b in zip(cuts[:-1], cuts[1:])])
    np.testing.assert_array_equal(levels_late, levels_now)
    assert late.last_drift_s == immediate.last_drift_s == float(drifts(levels_now)[-1])
    assert late.state() == immediate.state()
