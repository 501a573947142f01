#pragma once
// Two-sample Kolmogorov-Smirnov test, equal to scipy.stats.ks_2samp (scipy 1.10.1, the Debian
// python3-scipy that tests/golden/make_drift_golden.py ran): the same statistic (including how
// ties are grouped), the same choice between the exact and the asymptotic p-value under
// method = automatic, and the same p-value algorithms:
// - exact, two-sided: the proportion of lattice paths leaving the band |x/m - y/n| < D, Hodges
//   (1958) "inside method" in the 1 - p form of Viehmann (2021, arXiv:2102.08037); for m == n the
//   closed alternating-binomial series evaluated Horner-style;
// - exact, one-sided: Hodges' "outside method" path count over binom(m + n, n);
// - asymptotic, two-sided: the one-sample Kolmogorov distribution kstwo.sf(D, round(mn/(m+n)))
//   evaluated as Simard & L'Ecuyer (J. Stat. Softw. 39(11), 2011) decide: Ruben-Gambino edges,
//   Durbin's matrix (Marsaglia-Tsang-Wang 2003), Pomeranz (1974), Pelz-Good (1976), or twice the
//   exact one-sided Smirnov tail (Birnbaum & Tingey 1951);
// - asymptotic, one-sided: Hodges' eq. 5.3 approximation exp(-2z^2 - 2z(m+2n)/sqrt(mn(m+n))/3).
//
// Why this matters for drift: a KS p-value feeds a multiple-testing correction across features
// and KSWIN's alarm, so "equal to scipy" makes a notebook, the C++ monitor and a scipy-based
// audit agree on which features drifted.
//
// Inputs must be finite (scipy sorts NaN to the end instead); both samples non-empty.
// Thread-safe: every function is pure. ks_2samp_sorted() takes pre-sorted samples and allocates
// only in the exact two-sided unequal-size p-value (one vector of <= min(m, n) + 2 doubles) and
// in the asymptotic matrix method, so a sliding-window detector can call it per update.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "ecgad/error.hpp"
#include "ecgad/signal/checks.hpp"

namespace ecgad::drift {

/// The alternative hypothesis, with scipy's meaning: F is the reference CDF, G the current one.
/// two_sided: F != G, statistic max|F - G|. less: F < G somewhere (the reference tends to be
/// larger), statistic max(G - F) clipped at 0. greater: F > G somewhere, statistic max(F - G).
enum class KsAlternative { two_sided, less, greater };

/// How the p-value is computed; automatic = exact when max(m, n) <= 10000 (scipy's MAX_AUTO_N),
/// asymptotic otherwise. An exact computation that overflows falls back to asymptotic, as scipy.
enum class KsMethod { automatic, exact, asymptotic };

/// scipy.stats.ks_2samp's KstestResult.
struct KsResult {
  double statistic = 0.0;  ///< D in [0, 1]; in exact mode rounded to a multiple of 1/lcm(m, n)
  /// In [0, 1]; NaN only for method = asymptotic with m = n = 1, as scipy (no asymptotics).
  double p_value = 1.0;
  double statistic_location = 0.0;  ///< the data value where the ECDF gap is attained
  int statistic_sign = 1;  ///< +1: reference ECDF above the current one there; -1: below
  bool exact = false;      ///< true when the exact distribution gave the p-value
};

inline const char* to_string(KsAlternative a) {
  switch (a) {
    case KsAlternative::two_sided: return "two-sided";
    case KsAlternative::less: return "less";
    case KsAlternative::greater: return "greater";
  }
  return "?";
}

/// Parses scipy's spelling: "two-sided" (or "two_sided"), "less", "greater".
inline KsAlternative parse_ks_alternative(const std::string& name) {
  if (name == "two-sided" || name == "two_sided") return KsAlternative::two_sided;
  if (name == "less") return KsAlternative::less;
  if (name == "greater") return KsAlternative::greater;
  throw InvalidArgument("alternative must be 'two-sided', 'less' or 'greater', got '" + name +
                        "'");
}

/// Parses scipy's spelling: "auto", "exact", "asymp".
inline KsMethod parse_ks_method(const std::string& name) {
  if (name == "auto") return KsMethod::automatic;
  if (name == "exact") return KsMethod::exact;
  if (name == "asymp") return KsMethod::asymptotic;
  throw InvalidArgument("method must be 'auto', 'exact' or 'asymp', got '" + name + "'");
}

namespace detail {

inline constexpr std::int64_t ks_max_auto_n = 10000;  // scipy's MAX_AUTO_N
inline constexpr double ks_pi = 3.14159265358979323846;

inline double clip01(double p) { return std::min(std::max(p, 0.0), 1.0); }

// --- exact two-sample distributions (Hodges 1958) ---------------------------------------------

// Pr(D_{n,n} >= h/n): 2 * sum_k (-1)^(k+1) binom(2n, n - kh) / binom(2n, n), each ratio a product
// of h factors, nested Horner-style so the alternating series does not cancel.
inline double ks_prob_outside_square(std::int64_t n, std::int64_t h) {
  double p = 0.0;
  for (std::int64_t k = n / h; k >= 0; --k) {
    double p1 = 1.0;
    for (std::int64_t j = 0; j < h; ++j) {
      p1 = static_cast<double>(n - k * h - j) * p1 / static_cast<double>(n + k * h + j + 1);
    }
    p = p1 * (1.0 - p);
  }
  return 2.0 * p;
}

// 1 - (paths staying strictly inside |x/m - y/n| < h/lcm) / binom(m + n, n), computed directly as
// the complement column by column (Viehmann's recursion), one sliding window of the column.
inline double ks_prob_outside_band(std::int64_t m, std::int64_t n, std::int64_t g,
                                   std::int64_t h) {
  if (m < n) std::swap(m, n);
  const std::int64_t mg = m / g;
  const std::int64_t ng = n / g;
  const auto ceil_div = [](double a, double b) {
    return static_cast<std::int64_t>(std::ceil(a / b));
  };
  const auto floor_div = [](double a, double b) {
    return static_cast<std::int64_t>(std::floor(a / b));
  };
  std::int64_t minj = 0;
  std::int64_t maxj = std::min(ceil_div(static_cast<double>(h), static_cast<double>(mg)), n + 1);
  std::int64_t curlen = maxj - minj;
  // scipy sizes this min(2 maxj + 2, n + 1); entries past that are never read by valid inputs.
  std::vector<double> a(static_cast<std::size_t>(n + 2), 1.0);
  std::fill(a.begin(), a.begin() + maxj, 0.0);
  for (std::int64_t i = 1; i <= m; ++i) {
    const std::int64_t lastminj = minj;
    const std::int64_t lastlen = curlen;
    minj = std::max<std::int64_t>(
        floor_div(static_cast<double>(ng * i - h), static_cast<double>(mg)) + 1, 0);
    minj = std::min(minj, n);
    maxj = std::min(ceil_div(static_cast<double>(ng * i + h), static_cast<double>(mg)), n + 1);
    if (maxj <= minj) return 1.0;
    double val = minj == 0 ? 0.0 : 1.0;
    for (std::int64_t jj = 0; jj < maxj - minj; ++jj) {
      const std::int64_t j = jj + minj;
      val = (a[static_cast<std::size_t>(jj + minj - lastminj)] * static_cast<double>(i) +
             val * static_cast<double>(j)) /
            static_cast<double>(i + j);
      a[static_cast<std::size_t>(jj)] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) {
      const auto first = static_cast<std::size_t>(maxj - minj);
      const auto last = std::min(first + static_cast<std::size_t>(lastlen - curlen), a.size());
      std::fill(a.begin() + static_cast<std::ptrdiff_t>(first),
                a.begin() + static_cast<std::ptrdiff_t>(last), 1.0);
    }
  }
  return a[static_cast<std::size_t>(maxj - minj - 1)];
}

// binom(n, k) in double as cephes computes it for integer arguments: a product for small k,
// exp of log-gammas otherwise (relative error ~1e-13, as scipy.special.binom).
inline double binomial(double n, double k) {
  if (k < 0.0 || k > n) return 0.0;
  if (k > n / 2.0) k = n - k;
  if (k < 20.0) {
    double num = 1.0;
    double den = 1.0;
    for (double i = 1.0; i <= k; i += 1.0) {
      num *= i + n - k;
      den *= i;
      if (std::abs(num) > 1e50) {
        num /= den;
        den = 1.0;
      }
    }
    return num / den;
  }
  return std::exp(std::lgamma(n + 1.0) - std::lgamma(k + 1.0) - std::lgamma(n - k + 1.0));
}

// Number of lattice paths from (0,0) to (m,n) touching m y <= n x - h g (one-sided exceedance).
inline double ks_count_paths_outside(std::int64_t m, std::int64_t n, std::int64_t g,
                                     std::int64_t h) {
  if (m < n) std::swap(m, n);
  const std::int64_t mg = m / g;
  const std::int64_t ng = n / g;
  // Python floor division on possibly negative numerators.
  const auto pyfloordiv = [](std::int64_t a, std::int64_t b) {
    std::int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
    return q;
  };
  const std::int64_t lxj = n + pyfloordiv(mg - h, mg);
  if (lxj <= 0) return binomial(static_cast<double>(m + n), static_cast<double>(n));
  std::vector<std::int64_t> xj(static_cast<std::size_t>(lxj));
  for (std::int64_t j = 0; j < lxj; ++j) {
    xj[static_cast<std::size_t>(j)] = pyfloordiv(h + mg * j + ng - 1, ng);
  }
  std::vector<double> b(static_cast<std::size_t>(lxj), 0.0);
  b[0] = 1.0;
  for (std::int64_t j = 1; j < lxj; ++j) {
    const auto xjj = static_cast<double>(xj[static_cast<std::size_t>(j)]);
    double bj = binomial(xjj + static_cast<double>(j), static_cast<double>(j));
    for (std::int64_t i = 0; i < j; ++i) {
      bj -= binomial(xjj - static_cast<double>(xj[static_cast<std::size_t>(i)]) +
                         static_cast<double>(j - i),
                     static_cast<double>(j - i)) *
            b[static_cast<std::size_t>(i)];
    }
    b[static_cast<std::size_t>(j)] = bj;
  }
  double num_paths = 0.0;
  for (std::int64_t j = 0; j < lxj; ++j) {
    const auto x = static_cast<double>(xj[static_cast<std::size_t>(j)]);
    num_paths += b[static_cast<std::size_t>(j)] *
                 binomial(static_cast<double>(m) - x + static_cast<double>(n - j),
                          static_cast<double>(n - j));
  }
  return num_paths;
}

// --- the one-sample Kolmogorov distribution (scipy.stats.kstwo), Simard & L'Ecuyer 2011 ------

// log(k!) - (k log k - k + log(2 pi k) / 2): Stirling's error term, accurate to ~1e-16.
inline double stirling_error(double k) {
  if (k < 16.0) {
    return std::lgamma(k + 1.0) - (k * std::log(k) - k + 0.5 * std::log(2.0 * ks_pi * k));
  }
  const double r = 1.0 / k;
  const double r2 = r * r;
  return r * (1.0 / 12.0 - r2 * (1.0 / 360.0 - r2 * (1.0 / 1260.0 - r2 * (1.0 / 1680.0))));
}

// Pr(D_n^+ >= x), the exact one-sided Smirnov tail (scipy.special.smirnov), by the
// Birnbaum-Tingey sum x * sum_{v=0}^{floor(n(1-x))} C(n,v) (x+v/n)^(v-1) (1-x-v/n)^(n-v).
// Each term in log form with Stirling's series so that no large logs cancel: positive terms,
// no cancellation between them, ~1e-13 relative even for n in the millions.
inline double smirnov_sf(std::int64_t n, double x) {
  if (!(x >= 0.0 && x <= 1.0)) return std::numeric_limits<double>::quiet_NaN();
  if (x == 0.0) return 1.0;
  if (x == 1.0) return 0.0;
  if (n == 1) return x;
  const auto nd = static_cast<double>(n);
  const auto vmax = static_cast<std::int64_t>(std::floor(nd * (1.0 - x)));
  const double log_n = std::log(nd);
  double sum = std::pow(1.0 - x, nd) / x;  // v = 0: (x)^(-1) (1 - x)^n
  const double stirling_n = stirling_error(nd);
  for (std::int64_t v = 1; v <= vmax; ++v) {
    const auto vd = static_cast<double>(v);
    const double rest = nd - vd;  // n - v >= n x > 0
    const double upper = 1.0 - x - vd / nd;
    if (!(upper > 0.0)) continue;  // the last term vanishes when n(1 - x) is an integer
    // log C(n,v) + v log(x + v/n) + (n-v) log(1 - x - v/n), with n log n - v log v - (n-v)
    // log(n-v) folded into the two log1p terms.
    const double log_term = vd * std::log1p(x * nd / vd) + rest * std::log1p(-x * nd / rest) +
                            0.5 * (log_n - std::log(2.0 * ks_pi * vd * rest)) + stirling_n -
                            stirling_error(vd) - stirling_error(rest) -
                            std::log(x + vd / nd);
    if (log_term > -745.0) sum += std::exp(log_term);
  }
  return sum * x;
}

// Pr(D_n <= d) by Durbin's matrix algorithm as Marsaglia, Tsang & Wang (2003) evaluate it.
inline double kolmogorov_cdf_durbin(std::int64_t n, double d) {
  if (d >= 1.0) return 1.0;
  const double nd = static_cast<double>(n) * d;
  if (nd <= 0.5) return 0.0;
  const auto k = static_cast<Eigen::Index>(std::ceil(nd));
  const double h = static_cast<double>(k) - nd;
  const Eigen::Index m = 2 * k - 1;
  Eigen::MatrixXd hm = Eigen::MatrixXd::Zero(m, m);
  Eigen::VectorXd v(m);
  Eigen::VectorXd w(m);
  double fac = 1.0;
  for (Eigen::Index j = 1; j <= m; ++j) {
    w(j - 1) = fac;
    fac /= static_cast<double>(j);
    v(j - 1) = (1.0 - std::pow(h, static_cast<double>(j))) * fac;
  }
  const double tt = std::pow(std::max(2.0 * h - 1.0, 0.0), static_cast<double>(m)) -
                    2.0 * std::pow(h, static_cast<double>(m));
  v(m - 1) = (1.0 + tt) * fac;
  for (Eigen::Index i = 1; i < m; ++i) {
    for (Eigen::Index r = i - 1; r < m; ++r) hm(r, i) = w(r - i + 1);
  }
  hm.col(0) = v;
  hm.row(m - 1) = v.reverse().transpose();

  constexpr int scale_exp = 128;
  const double big = std::ldexp(1.0, scale_exp);
  Eigen::MatrixXd power = Eigen::MatrixXd::Identity(m, m);
  Eigen::MatrixXd tmp(m, m);
  std::int64_t expnt = 0;
  std::int64_t h_expnt = 0;
  for (std::int64_t nn = n; nn > 0; nn /= 2) {
    if (nn % 2 != 0) {
      tmp.noalias() = power * hm;
      power.swap(tmp);
      expnt += h_expnt;
    }
    tmp.noalias() = hm * hm;
    hm.swap(tmp);
    h_expnt *= 2;
    if (std::abs(hm(k - 1, k - 1)) > big) {
      hm /= big;
      h_expnt += scale_exp;
    }
  }
  double p = power(k - 1, k - 1);
  const double tiny = std::ldexp(1.0, -scale_exp);
  for (std::int64_t i = 1; i <= n; ++i) {  // times n! / n^n
    p = static_cast<double>(i) * p / static_cast<double>(n);
    if (std::abs(p) < tiny) {
      p *= big;
      expnt -= scale_exp;
    }
  }
  if (expnt != 0) p = std::ldexp(p, static_cast<int>(expnt));
  return clip01(p);
}

// Pr(D_n <= x) by the Pomeranz (1974) recursion; used for n <= 140.
inline double kolmogorov_cdf_pomeranz(std::int64_t n, double x) {
  const double t = static_cast<double>(n) * x;
  const auto ll = static_cast<std::int64_t>(std::floor(t));
  const double f = t - static_cast<double>(ll);
  const double g = std::min(f, 1.0 - f);
  const std::int64_t ceilf = f > 0.0 ? 1 : 0;
  const std::int64_t roundf = f > 0.5 ? 1 : 0;
  const std::int64_t npwrs = 2 * (ll + 1);
  std::vector<double> gpower(static_cast<std::size_t>(npwrs));
  std::vector<double> twogpower(gpower.size());
  std::vector<double> onem2gpower(gpower.size());
  gpower[0] = twogpower[0] = onem2gpower[0] = 1.0;
  const double nd = static_cast<double>(n);
  const double g_over_n = g / nd;
  const double two_g_over_n = 2.0 * g / nd;
  const double one_minus_two_g_over_n = (1.0 - 2.0 * g) / nd;
  for (std::size_t m = 1; m < gpower.size(); ++m) {
    const auto md = static_cast<double>(m);
    gpower[m] = gpower[m - 1] * g_over_n / md;
    twogpower[m] = twogpower[m - 1] * two_g_over_n / md;
    onem2gpower[m] = onem2gpower[m - 1] * one_minus_two_g_over_n / md;
  }
  const auto j1j2 = [&](std::int64_t i) {
    std::int64_t j1 = 0;
    std::int64_t j2 = 0;
    if (i == 0) {
      j1 = -ll - ceilf - 1;
      j2 = ll + ceilf - 1;
    } else {
      const std::int64_t ip1div2 = (i + 1) / 2;
      const std::int64_t ip1mod2 = (i + 1) % 2;
      if (ip1mod2 == 0) {
        if (ip1div2 == n + 1) {
          j1 = n - ll - ceilf - 1;
          j2 = n + ll + ceilf - 1;
        } else {
          j1 = ip1div2 - 1 - ll - roundf - 1;
          j2 = ip1div2 + ll - 1 + ceilf - 1;
        }
      } else {
        j1 = ip1div2 - 1 - ll - 1;
        j2 = ip1div2 + ll + roundf - 1;
      }
    }
    return std::pair<std::int64_t, std::int64_t>{std::max<std::int64_t>(j1 + 2, 0),
                                                 std::min(j2, n)};
  };
  constexpr int scale_exp = 128;
  const double big = std::ldexp(1.0, scale_exp);
  const double tiny = std::ldexp(1.0, -scale_exp);
  std::vector<double> v0(static_cast<std::size_t>(npwrs), 0.0);
  std::vector<double> v1(static_cast<std::size_t>(npwrs), 0.0);
  v1[0] = 1.0;
  std::int64_t v0s = 0;
  std::int64_t v1s = 0;
  std::int64_t expnt = 0;
  auto [j1, j2] = j1j2(0);
  for (std::int64_t i = 1; i < 2 * n + 2; ++i) {
    const std::int64_t k1 = j1;
    std::swap(v0, v1);
    std::swap(v0s, v1s);
    std::fill(v1.begin(), v1.end(), 0.0);
    std::tie(j1, j2) = j1j2(i);
    const std::vector<double>& pwrs =
        (i == 1 || i == 2 * n + 1) ? gpower : (i % 2 != 0 ? twogpower : onem2gpower);
    const std::int64_t ln2 = j2 - k1 + 1;
    if (ln2 > 0) {
      // conv[c] = sum_a V0[k1 - V0s + a] * pwrs[c - a]; entries j1 - k1 .. j2 - k1 are kept.
      const std::int64_t conv_start = j1 - k1;
      const std::int64_t conv_len = j2 - j1 + 1;
      double vmax = 0.0;
      for (std::int64_t c = 0; c < conv_len; ++c) {
        const std::int64_t cc = conv_start + c;
        double s = 0.0;
        for (std::int64_t a = std::max<std::int64_t>(0, cc - ln2 + 1);
             a <= std::min(cc, ln2 - 1); ++a) {
          s += v0[static_cast<std::size_t>(k1 - v0s + a)] * pwrs[static_cast<std::size_t>(cc - a)];
        }
        v1[static_cast<std::size_t>(c)] = s;
        vmax = std::max(vmax, s);
      }
      if (vmax > 0.0 && vmax < tiny) {
        for (auto& e : v1) e *= big;
        expnt -= scale_exp;
      }
      v1s = v0s + j1 - k1;
    }
  }
  double ans = v1[static_cast<std::size_t>(n - v1s)];
  for (std::int64_t m = 1; m <= n; ++m) {  // times n!
    if (std::abs(ans) > big) {
      ans *= tiny;
      expnt += scale_exp;
    }
    ans *= static_cast<double>(m);
  }
  if (expnt != 0) ans = std::ldexp(ans, static_cast<int>(expnt));
  return clip01(ans);
}

// Pr(D_n <= x) by the Pelz-Good (1976) expansion (small-x form of Li-Chien/Korolyuk).
inline double kolmogorov_cdf_pelz_good(std::int64_t n, double x) {
  if (x <= 0.0) return 0.0;
  if (x >= 1.0) return 1.0;
  const double pi2 = ks_pi * ks_pi;
  const double pi4 = pi2 * pi2;
  const double pi6 = pi4 * pi2;
  const double sqrt2pi = std::sqrt(2.0 * ks_pi);
  const double z = std::sqrt(static_cast<double>(n)) * x;
  const double z2 = z * z;
  const double z3 = z2 * z;
  const double z4 = z2 * z2;
  const double z6 = z4 * z2;
  const double qlog = -pi2 / 8.0 / z2;
  if (qlog < -708.0) return 0.0;
  double q = std::exp(qlog);
  const double k1a = -z2;
  const double k1b = pi2 / 4.0;
  const double k2a = 6.0 * z6 + 2.0 * z4;
  const double k2b = (2.0 * z4 - 5.0 * z2) * pi2 / 4.0;
  const double k2c = pi4 * (1.0 - 2.0 * z2) / 16.0;
  const double k3d = pi6 * (5.0 - 30.0 * z2) / 64.0;
  const double k3c = pi4 * (-60.0 * z2 + 212.0 * z4) / 16.0;
  const double k3b = pi2 * (135.0 * z4 - 96.0 * z6) / 4.0;
  const double k3a = -30.0 * z6 - 90.0 * z4 * z4;
  double k[4] = {0.0, 0.0, 0.0, 0.0};
  const auto maxk = static_cast<std::int64_t>(std::ceil(16.0 * z / ks_pi));
  for (std::int64_t kk = maxk; kk > 0; --kk) {
    const auto m = static_cast<double>(2 * kk - 1);
    const double m2 = m * m;
    const double m4 = m2 * m2;
    const double m6 = m4 * m2;
    const double qpower = std::pow(q, static_cast<double>(8 * kk));
    const double coeffs[4] = {1.0, k1a + k1b * m2, k2a + k2b * m2 + k2c * m4,
                              k3a + k3b * m2 + k3c * m4 + k3d * m6};
    for (int i = 0; i < 4; ++i) k[i] = k[i] * qpower + coeffs[i];
  }
  const double denom[4] = {z, 6.0 * z4, 72.0 * z6 * z, 6480.0 * z6 * z4};
  for (int i = 0; i < 4; ++i) k[i] = k[i] * q * sqrt2pi / denom[i];
  q = std::exp(-pi2 / 2.0 / z2);
  double k2extra = 0.0;
  double k3extra = 0.0;
  const double sqrt3z = std::sqrt(3.0) * z;
  for (std::int64_t kk = maxk; kk > 0; --kk) {
    const auto kd = static_cast<double>(kk);
    const double k2 = kd * kd;
    const double qp = std::pow(q, k2);
    const double kspi = ks_pi * kd;
    k2extra += k2 * qp;
    k3extra += (sqrt3z + kspi) * (sqrt3z - kspi) * k2 * qp;
  }
  k[2] += k2extra * pi2 * sqrt2pi / (-36.0 * z3);
  k[3] += k3extra * pi2 * sqrt2pi / (216.0 * z6);
  const double nd = static_cast<double>(n);
  double sum = 0.0;
  for (int i = 0; i < 4; ++i) sum += k[i] / std::pow(nd, static_cast<double>(i) / 2.0);
  return sum;
}

// log(n! / n^n) by Stirling's series (n > 140 here).
inline double log_factorial_over_power(double n) {
  return 0.5 * std::log(n) - n + 0.5 * std::log(2.0 * ks_pi) + stirling_error(n);
}

}  // namespace detail

/// Pr(D_n > x) for the two-sided one-sample Kolmogorov-Smirnov statistic with n observations:
/// scipy.stats.kstwo.sf(x, n) (Simard & L'Ecuyer 2011 selection of exact and asymptotic
/// algorithms). n >= 1.
inline double kolmogorov_sf(std::int64_t n, double x) {
  using namespace detail;
  if (n < 1) throw InvalidArgument("kolmogorov_sf: n must be >= 1, got " + std::to_string(n));
  if (std::isnan(x)) return x;
  if (x >= 1.0) return 0.0;
  if (x <= 0.0) return 1.0;
  const auto nd = static_cast<double>(n);
  const double t = nd * x;
  if (t <= 1.0) {  // Ruben-Gambino: 1/(2n) <= x <= 1/n
    if (t <= 0.5) return 1.0;
    double prob = 0.0;
    if (n <= 140) {
      prob = 1.0;
      for (std::int64_t i = 1; i <= n; ++i) prob *= static_cast<double>(i) * (1.0 / nd) * (2.0 * t - 1.0);
    } else {
      prob = std::exp(log_factorial_over_power(nd) + nd * std::log(2.0 * t - 1.0));
    }
    return clip01(1.0 - prob);
  }
  if (t >= nd - 1.0) return clip01(2.0 * std::pow(1.0 - x, nd));  // Ruben-Gambino
  if (x >= 0.5) return clip01(2.0 * smirnov_sf(n, x));            // exact: the tails are disjoint
  const double nx2 = t * x;
  if (n <= 140) {
    if (nx2 <= 0.754693) return clip01(1.0 - kolmogorov_cdf_durbin(n, x));
    if (nx2 <= 4.0) return clip01(1.0 - kolmogorov_cdf_pomeranz(n, x));
    return clip01(2.0 * smirnov_sf(n, x));  // Miller's approximation
  }
  if (nx2 >= 370.0) return 0.0;
  if (nx2 >= 2.2) return clip01(2.0 * smirnov_sf(n, x));
  double cdf = 0.0;
  if (n <= 100000 && nd * std::pow(x, 1.5) <= 1.4) {
    cdf = kolmogorov_cdf_durbin(n, x);
  } else {
    cdf = kolmogorov_cdf_pelz_good(n, x);
  }
  return clip01(1.0 - cdf);
}

/// The p-value of a two-sample KS statistic d for sizes n_reference, n_current, exactly as
/// scipy.stats.ks_2samp computes it. Returns the (possibly lattice-rounded) statistic and p.
inline KsResult ks_2samp_pvalue(double d, std::int64_t n_reference, std::int64_t n_current,
                                KsAlternative alternative = KsAlternative::two_sided,
                                KsMethod method = KsMethod::automatic) {
  using namespace detail;
  if (n_reference < 1 || n_current < 1) {
    throw InvalidArgument("ks_2samp: sample sizes must be >= 1, got n_reference = " +
                          std::to_string(n_reference) +
                          " and n_current = " + std::to_string(n_current));
  }
  if (!(d >= 0.0 && d <= 1.0)) {
    throw InvalidArgument("ks_2samp: statistic must be in [0, 1], got " +
                          ecgad::detail::format_number(d));
  }
  const std::int64_t n1 = n_reference;
  const std::int64_t n2 = n_current;
  const std::int64_t g = std::gcd(n1, n2);
  const std::int64_t n1g = n1 / g;
  const std::int64_t n2g = n2 / g;
  if (method == KsMethod::automatic) {
    method = std::max(n1, n2) <= ks_max_auto_n ? KsMethod::exact : KsMethod::asymptotic;
  } else if (method == KsMethod::exact &&
             static_cast<double>(n1g) >=
                 static_cast<double>(std::numeric_limits<std::int32_t>::max()) /
                     static_cast<double>(n2g)) {
    method = KsMethod::asymptotic;  // lcm too large for the lattice (scipy warns and switches)
  }
  KsResult r;
  r.statistic = d;
  if (method == KsMethod::exact) {
    const std::int64_t lcm = n1g * n2;
    const auto h = static_cast<std::int64_t>(std::nearbyint(d * static_cast<double>(lcm)));
    const double d_lattice = static_cast<double>(h) / static_cast<double>(lcm);
    double prob = std::numeric_limits<double>::quiet_NaN();
    bool ok = true;
    if (h == 0) {
      prob = 1.0;
    } else if (alternative == KsAlternative::two_sided) {
      prob = n1 == n2 ? ks_prob_outside_square(n1, h) : ks_prob_outside_band(n1, n2, g, h);
    } else if (n1 == n2) {
      prob = 1.0;
      for (std::int64_t j = 0; j < h; ++j) {
        prob *= static_cast<double>(n1 - j) / (static_cast<double>(n1 + j) + 1.0);
      }
    } else {
      const double num_paths = ks_count_paths_outside(n1, n2, g, h);
      const double total = binomial(static_cast<double>(n1 + n2), static_cast<double>(n1));
      ok = std::isfinite(num_paths) && std::isfinite(total) && !(num_paths > total);
      if (ok) prob = num_paths / total;
    }
    ok = ok && prob >= 0.0 && prob <= 1.0;
    r.statistic = d_lattice;
    if (ok) {
      r.p_value = prob;
      r.exact = true;
      return r;
    }
    d = d_lattice;  // scipy keeps the rounded statistic when it falls back
    r.statistic = d;
  }
  // Smirnov's asymptotics; the one-sided formula is not symmetric in the sizes: m >= n.
  const double m = static_cast<double>(std::max(n1, n2));
  const double n = static_cast<double>(std::min(n1, n2));
  const double en = m * n / (m + n);
  if (alternative == KsAlternative::two_sided) {
    const auto n_eff = static_cast<std::int64_t>(std::nearbyint(en));
    // round(mn/(m+n)) is 0 only for m = n = 1, where scipy's kstwo.sf(d, 0) is NaN: the
    // asymptotic distribution has no answer for a 1 x 1 comparison (the exact one does).
    r.p_value = n_eff < 1 ? std::numeric_limits<double>::quiet_NaN() : kolmogorov_sf(n_eff, d);
  } else {
    const double z = std::sqrt(en) * d;
    const double expt = -2.0 * z * z - 2.0 * z * (m + 2.0 * n) / std::sqrt(m * n * (m + n)) / 3.0;
    r.p_value = std::exp(expt);
  }
  if (!std::isnan(r.p_value)) r.p_value = clip01(r.p_value);
  return r;
}

namespace detail {

// The ECDF gap over all data values of two sorted samples, ties grouped (scipy's searchsorted
// with side='right' on the pooled data): fills statistic, location and sign.
inline KsResult ks_statistic_sorted(const double* a, std::int64_t n1, const double* b,
                                    std::int64_t n2, KsAlternative alternative) {
  const auto n1d = static_cast<double>(n1);
  const auto n2d = static_cast<double>(n2);
  double max_diff = -std::numeric_limits<double>::infinity();
  double min_diff = std::numeric_limits<double>::infinity();
  double max_loc = 0.0;
  double min_loc = 0.0;
  std::int64_t i = 0;
  std::int64_t j = 0;
  // scipy's argmax/argmin take the first occurrence in data_all = concat(sorted a, sorted b);
  // equal gaps at different values are resolved towards a's values, then b's, in order.
  // Track the position in that concatenation to reproduce the reported location.
  std::int64_t max_pos = std::numeric_limits<std::int64_t>::max();
  std::int64_t min_pos = std::numeric_limits<std::int64_t>::max();
  while (i < n1 || j < n2) {
    const double value = (j >= n2 || (i < n1 && a[i] <= b[j])) ? a[i] : b[j];
    const std::int64_t first_a = i;
    const std::int64_t first_b = j;
    while (i < n1 && a[i] == value) ++i;
    while (j < n2 && b[j] == value) ++j;
    const double diff = static_cast<double>(i) / n1d - static_cast<double>(j) / n2d;
    // The first occurrence of this value in data_all: in a if a holds it, else in b.
    const std::int64_t pos = i > first_a ? first_a : n1 + first_b;
    if (diff > max_diff || (diff == max_diff && pos < max_pos)) {
      max_diff = diff;
      max_loc = value;
      max_pos = pos;
    }
    if (diff < min_diff || (diff == min_diff && pos < min_pos)) {
      min_diff = diff;
      min_loc = value;
      min_pos = pos;
    }
  }
  const double min_s = clip01(-min_diff);
  KsResult r;
  if (alternative == KsAlternative::less ||
      (alternative == KsAlternative::two_sided && min_s > max_diff)) {
    r.statistic = min_s;
    r.statistic_location = min_loc;
    r.statistic_sign = -1;
  } else {
    r.statistic = max_diff;
    r.statistic_location = max_loc;
    r.statistic_sign = 1;
  }
  return r;
}

template <typename Derived>
void require_sample(const Eigen::DenseBase<Derived>& x, const char* function, const char* what) {
  if (x.size() == 0) {
    throw InvalidArgument(std::string(function) + ": " + what +
                          " sample is empty; expected at least 1 value");
  }
  ecgad::detail::require_finite(x, (std::string(function) + ": " + what + " sample").c_str());
}

}  // namespace detail

/// scipy.stats.ks_2samp(reference, current, alternative, method) on samples that are already
/// sorted ascending (not checked beyond finiteness; unsorted input gives a wrong statistic).
inline KsResult ks_2samp_sorted(const double* reference, std::int64_t n_reference,
                                const double* current, std::int64_t n_current,
                                KsAlternative alternative = KsAlternative::two_sided,
                                KsMethod method = KsMethod::automatic) {
  if (n_reference < 1 || n_current < 1) {
    throw InvalidArgument("ks_2samp: " +
                          std::string(n_reference < 1 ? "reference" : "current") +
                          " sample is empty; expected at least 1 value");
  }
  KsResult r =
      detail::ks_statistic_sorted(reference, n_reference, current, n_current, alternative);
  const KsResult p = ks_2samp_pvalue(r.statistic, n_reference, n_current, alternative, method);
  r.statistic = p.statistic;
  r.p_value = p.p_value;
  r.exact = p.exact;
  return r;
}

/// Two-sample Kolmogorov-Smirnov test of `reference` against `current`: scipy.stats.ks_2samp
/// (statistic, p-value, statistic_location, statistic_sign). Samples need not be sorted; both
/// must be non-empty and finite.
template <typename A, typename B>
KsResult ks_2samp(const Eigen::DenseBase<A>& reference, const Eigen::DenseBase<B>& current,
                  KsAlternative alternative = KsAlternative::two_sided,
                  KsMethod method = KsMethod::automatic) {
  detail::require_sample(reference, "ks_2samp", "reference");
  detail::require_sample(current, "ks_2samp", "current");
  std::vector<double> a(static_cast<std::size_t>(reference.size()));
  std::vector<double> b(static_cast<std::size_t>(current.size()));
  for (Eigen::Index i = 0; i < reference.size(); ++i) {
    a[static_cast<std::size_t>(i)] = static_cast<double>(reference.derived().coeff(i));
  }
  for (Eigen::Index i = 0; i < current.size(); ++i) {
    b[static_cast<std::size_t>(i)] = static_cast<double>(current.derived().coeff(i));
  }
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  return ks_2samp_sorted(a.data(), static_cast<std::int64_t>(a.size()), b.data(),
                         static_cast<std::int64_t>(b.size()), alternative, method);
}

}  // namespace ecgad::drift
