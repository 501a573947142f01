#!/usr/bin/python3
"""Writes tests/golden/weibull_tail.json: maximum-likelihood fits of the Weibull-type tail
(include/ecgad/calibrate/weibull_tail.hpp) computed independently with scipy.optimize.

Model, for excesses y > 0 over a threshold at distance u_t > 0 from the centre:
    P(Y > y) = exp(-(B(u_t + y) - B(u_t)) / scale),  B(u) = (u^a - 1) / a  (log u at a = 0)
    log f(y) = -log(scale) - (B(u_t + y) - B(u_t)) / scale + (a - 1) log(u_t + y)
The reference maximises the full two-parameter log-likelihood with Nelder-Mead (scipy 1.10,
log-scale parametrisation, tight tolerances) from the moment-free start (a, scale) = (1, mean
excess), then polishes the exponent with a bounded scalar search on the profile likelihood; the
C++ fit (grid + golden section on the profile) must reach the same optimum.

Cases: excesses of seeded N(0,1), Exp(1) and log N(0,1) samples over their 98% quantile (as
fit_pot forms them: identity or log transform, centre = median) and exact draws from the model.

    /usr/bin/python3 tests/golden/make_weibull_tail_golden.py
"""
import json
import pathlib

import numpy as np
import scipy
from scipy import optimize

OUT = pathlib.Path(__file__).with_name("weibull_tail.json")


def box_cox_excess(y, u_t, a):
    log_ratio = np.log1p(y / u_t)
    return log_ratio if a == 0.0 else u_t ** a * np.expm1(a * log_ratio) / a


def loglik(y, u_t, a, scale):
    if a < 0 or scale <= 0:
        return -np.inf
    return float(np.sum(-np.log(scale) - box_cox_excess(y, u_t, a) / scale
                        + (a - 1.0) * np.log(u_t + y)))


def fit(y, u_t):
    nll = lambda p: -loglik(y, u_t, p[0], np.exp(p[1]))
    start = np.array([1.0, np.log(y.mean())])
    res = optimize.minimize(nll, start, method="Nelder-Mead",
                            options={"xatol": 1e-12, "fatol": 1e-12, "maxiter": 20000,
                                     "maxfev": 40000})
    a0 = res.x[0]
    profile = lambda a: -(-y.size * np.log(np.mean(box_cox_excess(y, u_t, a))) - y.size
                          + (a - 1.0) * np.sum(np.log(u_t + y)) - 0.0)
    r = optimize.minimize_scalar(profile, bounds=(max(0.0, a0 - 0.5), min(8.0, a0 + 0.5)),
                                 method="bounded", options={"xatol": 1e-12})
    a = float(r.x)
    scale = float(np.mean(box_cox_excess(y, u_t, a)))
    return a, scale, loglik(y, u_t, a, scale)


def sample_cases():
    rng = np.random.default_rng(20261127)
    cases = []
    for name, x, transform in (("normal", rng.standard_normal(50_000), "identity"),
                               ("exponential", rng.exponential(1.0, 50_000), "identity"),
                               ("lognormal", rng.lognormal(0.0, 1.0, 50_000), "log")):
        t = np.quantile(x, 0.98)
        c = np.median(x)
        peaks = x[x > t]
        if transform == "log":
            y, u_t = np.log1p((peaks - t) / t), np.log(t / c)
        else:
            y, u_t = peaks - t, t - c
        cases.append((name, y, float(u_t)))
    # Exact draws: Y = u_t ((1 + a D / u_t^a)^(1/a) - 1), D ~ Exp(scale).
    for a, scale, u_t, n in ((2.0, 0.5, 2.0, 2000), (1.0, 1.0, 0.7, 1000), (0.0, 0.25, 1.0, 1500),
                             (3.0, 4.0, 1.5, 800)):
        d = rng.exponential(scale, n)
        log_ratio = d / u_t ** 0 if a == 0.0 else np.log1p(a * d * u_t ** (-a)) / a
        cases.append((f"model_a{a}_s{scale}", u_t * np.expm1(log_ratio), u_t))
    out = []
    for name, y, u_t in cases:
        a, scale, ll = fit(y, u_t)
        out.append({"name": name, "excesses": y.tolist(), "threshold_offset": u_t,
                    "exponent": a, "scale": scale, "loglik": ll})
    return out


def main():
    golden = {"generator": "tests/golden/make_weibull_tail_golden.py",
              "numpy": np.__version__, "scipy": scipy.__version__, "fits": sample_cases()}
    OUT.write_text(json.dumps(golden) + "\n")
    for case in golden["fits"]:
        print(f"{case['name']:22s} n {len(case['excesses']):5d} exponent {case['exponent']:.6f} "
              f"scale {case['scale']:.6g} loglik {case['loglik']:.6f}")


if __name__ == "__main__":
    main()
