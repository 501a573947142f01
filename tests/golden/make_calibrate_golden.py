#!/usr/bin/python3
"""Writes tests/golden/calibrate.json: reference values for the C++ calibration tests.

- multiple_testing: statsmodels.stats.multitest.multipletests ('bonferroni', 'fdr_bh').
- thresholds: numpy mean + k std, numpy.quantile (linear), scipy.stats.median_abs_deviation.
- gpd: scipy.stats.genpareto: maximum-likelihood fits (genpareto.fit, floc=0) and their
  log-likelihoods on seeded GPD samples, sf/isf of given parameters.
- extreme_quantiles: exact upper quantiles (isf) of N(0,1), Exp(1), LogNormal(0,1).

Run with Debian's packages (python3-statsmodels, python3-scipy):
    /usr/bin/python3 tests/golden/make_calibrate_golden.py
The output is committed so the C++ tests need no Python. Deterministic (fixed seeds).
"""
import json
import pathlib

import numpy as np
import scipy
import statsmodels
from scipy import stats
from statsmodels.stats.multitest import multipletests

OUT = pathlib.Path(__file__).with_name("calibrate.json")
rng = np.random.default_rng(20261126)


def multiple_testing_cases():
    """p-value families: uniform (null), a mixture with small p-values (some discoveries),
    ties and the ends 0 and 1, one-element families."""
    families = {
        "single_small": np.array([0.01]),
        "single_large": np.array([0.7]),
        "ends": np.array([0.0, 1.0, 0.0, 1.0, 0.5]),
        "ties": np.round(rng.random(40) * 0.1, 2),
        "null_50": rng.random(50),
        "mixture_200": np.concatenate([rng.random(170), rng.random(30) * 1e-3])[
            rng.permutation(200)],
        "mixture_1000": np.concatenate([rng.random(950), rng.beta(0.2, 8.0, 50)]),
        "step_up": np.array([0.01, 0.02, 0.03, 0.04, 0.05, 0.3, 0.6]),
    }
    cases = []
    for name, p in families.items():
        for alpha in (0.05, 0.1, 0.2):
            case = {"name": f"{name}_a{alpha}", "pvalues": p.tolist(), "alpha": alpha}
            for method in ("bonferroni", "fdr_bh"):
                reject, adjusted, _, _ = multipletests(p, alpha=alpha, method=method)
                case[method] = {"rejected": reject.tolist(), "adjusted": adjusted.tolist()}
            cases.append(case)
    return cases


def threshold_cases():
    """Scores of several shapes and sizes with numpy/scipy's thresholds."""
    samples = {
        "normal_1": rng.standard_normal(1),
        "normal_2": rng.standard_normal(2),
        "normal_7": rng.standard_normal(7),
        "exponential_100": rng.exponential(1.0, 100),
        "lognormal_1001": rng.lognormal(0.0, 1.0, 1001),
        "ties_60": np.round(rng.exponential(1.0, 60), 1),
    }
    levels = [0.0, 0.01, 0.25, 0.5, 0.9, 0.95, 0.975, 0.99, 0.999, 1.0]
    cases = []
    for name, x in samples.items():
        case = {"name": name, "scores": x.tolist(), "mean": float(np.mean(x)),
                "std_pop": float(np.std(x)), "median": float(np.median(x)),
                "mad_normal": float(stats.median_abs_deviation(x, scale="normal")),
                "quantiles": {"levels": levels,
                              "values": [float(np.quantile(x, q)) for q in levels]}}
        if x.size > 1:
            case["std_sample"] = float(np.std(x, ddof=1))
        cases.append(case)
    return cases


def gpd_cases():
    """Seeded GPD samples (shape, scale, n) with scipy's maximum-likelihood fit."""
    cases = []
    for shape, scale, n in ((-0.3, 1.0, 400), (-0.1, 2.0, 1000), (0.0, 1.0, 1000),
                            (0.1, 0.5, 500), (0.25, 1.0, 2000), (0.5, 3.0, 300),
                            (0.2, 1.0, 40)):
        y = stats.genpareto.rvs(shape, scale=scale, size=n, random_state=rng)
        c, _, s = stats.genpareto.fit(y, floc=0)
        ll = float(np.sum(stats.genpareto.logpdf(y, c, scale=s)))
        cases.append({"name": f"gpd_c{shape}_n{n}", "true_shape": shape, "true_scale": scale,
                      "excesses": y.tolist(), "scipy_shape": float(c), "scipy_scale": float(s),
                      "scipy_loglik": ll})
    return cases


def gpd_function_cases():
    """sf and isf of fixed GPDs (including shape 0 and a bounded tail)."""
    out = []
    for shape, scale in ((-0.4, 2.0), (-1e-9, 1.0), (0.0, 1.5), (1e-9, 1.0), (0.3, 0.7)):
        ys = [0.1, 1.0, 3.0, 4.9]
        ps = [0.5, 0.1, 1e-3, 1e-6]
        out.append({"shape": shape, "scale": scale, "y": ys,
                    "sf": [float(stats.genpareto.sf(y, shape, scale=scale)) for y in ys],
                    "p": ps,
                    "isf": [float(stats.genpareto.isf(p, shape, scale=scale)) for p in ps]})
    return out


def extreme_quantiles():
    qs = [1e-3, 1e-4, 1e-5, 1e-6]
    return {"q": qs,
            "normal": [float(stats.norm.isf(q)) for q in qs],
            "exponential": [float(stats.expon.isf(q)) for q in qs],
            "lognormal": [float(stats.lognorm.isf(q, 1.0)) for q in qs]}


def main():
    golden = {
        "generated_by": "tests/golden/make_calibrate_golden.py",
        "versions": {"numpy": np.__version__, "scipy": scipy.__version__,
                     "statsmodels": statsmodels.__version__},
        "multiple_testing": multiple_testing_cases(),
        "thresholds": threshold_cases(),
        "gpd": gpd_cases(),
        "gpd_functions": gpd_function_cases(),
        "extreme_quantiles": extreme_quantiles(),
    }
    OUT.write_text(json.dumps(golden, indent=1) + "\n")


if __name__ == "__main__":
    main()
