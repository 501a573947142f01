// Plot primitives of the HTML report (see include/ecgad/report/svg.hpp).
#include "ecgad/report/svg.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <numeric>
#include <utility>

namespace ecgad::report {

// ----------------------------------------------------------------------------------- text

std::string escape_html(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

namespace {

// to_chars is locale-independent (a host that set a comma-decimal locale still gets "0.5").
std::string chars(double value, std::chars_format format, int precision) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value, format, precision);
  return std::string(buffer, result.ptr);
}

std::string strip_zeros(std::string s) {
  const auto e = s.find_first_of("eE");
  std::string exponent;
  if (e != std::string::npos) {
    exponent = s.substr(e);
    s.erase(e);
  }
  if (s.find('.') != std::string::npos) {
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
  }
  if (!exponent.empty()) {
    // "e-05" -> "e-5", "e+06" -> "e6": shorter and easier to read.
    std::string sign = exponent.size() > 1 && exponent[1] == '-' ? "-" : "";
    std::size_t k = 1;
    while (k < exponent.size() && (exponent[k] == '+' || exponent[k] == '-' || exponent[k] == '0'))
      ++k;
    exponent = "e" + sign + (k < exponent.size() ? exponent.substr(k) : "0");
  }
  if (s == "-0") s = "0";
  return s + exponent;
}

}  // namespace

std::string format_number(double value, int significant) {
  if (!std::isfinite(value)) return "\u2013";
  if (value == 0.0) return "0";
  const double magnitude = std::fabs(value);
  significant = std::clamp(significant, 1, 17);
  if (magnitude >= 1e-4 && magnitude < 1e7) {
    const int digits_before = static_cast<int>(std::floor(std::log10(magnitude))) + 1;
    const int decimals = std::max(0, significant - digits_before);
    return strip_zeros(chars(value, std::chars_format::fixed, decimals));
  }
  return strip_zeros(chars(value, std::chars_format::scientific, significant - 1));
}

std::string format_coordinate(double value) {
  if (!std::isfinite(value)) value = 0.0;  // callers skip non-finite points; this is a backstop
  value = std::clamp(value, -1e6, 1e6);
  std::string s = chars(value, std::chars_format::fixed, 1);
  if (s.size() > 2 && s.compare(s.size() - 2, 2, ".0") == 0) s.resize(s.size() - 2);
  if (s == "-0") s = "0";
  return s;
}

// ----------------------------------------------------------------------------------- ticks

namespace {

// Heckbert's nicenum: a 1, 2, 5 or 10 × 10^exponent close to x (rounded or the next above).
void nice_number(double x, bool round, double& mantissa, int& exponent) {
  exponent = static_cast<int>(std::floor(std::log10(x)));
  const double fraction = x / std::pow(10.0, exponent);
  if (round) {
    mantissa = fraction < 1.5 ? 1.0 : fraction < 3.0 ? 2.0 : fraction < 7.0 ? 5.0 : 10.0;
  } else {
    mantissa = fraction <= 1.0 ? 1.0 : fraction <= 2.0 ? 2.0 : fraction <= 5.0 ? 5.0 : 10.0;
  }
  if (mantissa == 10.0) {
    mantissa = 1.0;
    ++exponent;
  }
}

// k × mantissa × 10^exponent computed so the result is the double nearest the decimal value
// (0.6, not 0.6000000000000001): an integer product divided or multiplied by an exact power of 10.
double scaled(double k_times_mantissa, int exponent) {
  return exponent < 0 ? k_times_mantissa / std::pow(10.0, -exponent)
                      : k_times_mantissa * std::pow(10.0, exponent);
}

}  // namespace

std::vector<double> nice_ticks(double lo, double hi, int target_count) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) return {0.0, 1.0};
  if (lo > hi) std::swap(lo, hi);
  if (lo == hi) {
    const double pad = lo == 0.0 ? 1.0 : std::fabs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  target_count = std::max(target_count, 2);
  double range_mantissa = 1.0;
  int range_exponent = 0;
  nice_number(hi - lo, false, range_mantissa, range_exponent);
  const double nice_range = scaled(range_mantissa, range_exponent);
  double step_mantissa = 1.0;
  int step_exponent = 0;
  nice_number(nice_range / (target_count - 1), true, step_mantissa, step_exponent);
  const double step = scaled(step_mantissa, step_exponent);
  // Tolerance so 0.6 / 0.2 = 2.9999999999999996 still counts as 3 steps.
  const double first = std::floor(lo / step + 1e-9);
  const double last = std::ceil(hi / step - 1e-9);
  std::vector<double> ticks;
  for (double k = first; k <= last && ticks.size() < 1000; k += 1.0) {
    double v = scaled(k * step_mantissa, step_exponent);
    if (v == 0.0) v = 0.0;  // no "-0"
    ticks.push_back(v);
  }
  return ticks;
}

std::vector<double> log_ticks(double lo, double hi) {
  if (!(lo > 0.0) || !(hi > 0.0) || !std::isfinite(lo) || !std::isfinite(hi)) return {1.0, 10.0};
  if (lo > hi) std::swap(lo, hi);
  const int first = static_cast<int>(std::floor(std::log10(lo) + 1e-9));
  int last = static_cast<int>(std::ceil(std::log10(hi) - 1e-9));
  if (last == first) ++last;
  const bool fine = last - first < 3;
  std::vector<double> ticks;
  for (int e = first; e <= last; ++e) {
    ticks.push_back(scaled(1.0, e));
    if (fine && e < last) {
      ticks.push_back(scaled(2.0, e));
      ticks.push_back(scaled(5.0, e));
    }
  }
  return ticks;
}

std::vector<std::size_t> downsample_min_max(const std::vector<double>& y, std::size_t max_points) {
  const std::size_t n = y.size();
  std::vector<std::size_t> keep;
  if (n <= std::max<std::size_t>(max_points, 4)) {
    keep.resize(n);
    std::iota(keep.begin(), keep.end(), std::size_t{0});
    return keep;
  }
  const std::size_t buckets = std::max<std::size_t>(max_points / 2, 1);
  keep.reserve(2 * buckets + 2);
  for (std::size_t b = 0; b < buckets; ++b) {
    const std::size_t begin = b * n / buckets;
    const std::size_t end = (b + 1) * n / buckets;
    std::size_t lo_at = n, hi_at = n, gap_at = n;
    for (std::size_t i = begin; i < end; ++i) {
      if (!std::isfinite(y[i])) {
        if (gap_at == n) gap_at = i;  // keep one break so the drawn line has the gap
        continue;
      }
      if (lo_at == n || y[i] < y[lo_at]) lo_at = i;
      if (hi_at == n || y[i] > y[hi_at]) hi_at = i;
    }
    std::size_t picks[3] = {lo_at, hi_at, gap_at};
    std::sort(std::begin(picks), std::end(picks));
    for (std::size_t p : picks) {
      if (p != n && (keep.empty() || keep.back() != p)) keep.push_back(p);
    }
  }
  return keep;
}

// ----------------------------------------------------------------------------------- drawing

namespace {

constexpr const char* kFont =
    "system-ui, -apple-system, &#39;Segoe UI&#39;, Roboto, &#39;Helvetica Neue&#39;, Arial, "
    "sans-serif";
constexpr const char* kGrid = "#e6e6e6";
constexpr const char* kAxis = "#444444";
constexpr const char* kMuted = "#555555";
constexpr std::size_t kMaxPoints = 2000;
// A white outline under labels drawn over data keeps them readable on busy plots.
constexpr const char* kHalo = " stroke=\"#ffffff\" stroke-width=\"3\" stroke-opacity=\"0.85\" paint-order=\"stroke\"";

std::string c(double v) { return format_coordinate(v); }
std::string esc(std::string_view s) { return escape_html(s); }

// Approximate text width at font size 11 (no font metrics offline): ~0.58 em per character.
double text_width(std::string_view s, double font_px = 11.0) {
  std::size_t glyphs = 0;
  for (const char ch : s) glyphs += (static_cast<unsigned char>(ch) & 0xC0) != 0x80 ? 1 : 0;
  return static_cast<double>(glyphs) * font_px * 0.58;
}

class Svg {
 public:
  Svg(double width, double height, std::string_view label) {
    out_ += "<svg class=\"plot\" viewBox=\"0 0 " + c(width) + " " + c(height) +
            "\" role=\"img\" aria-label=\"" + esc(label) + "\" font-family=\"" + kFont +
            "\" font-size=\"11\" preserveAspectRatio=\"xMidYMid meet\">";
    out_ += "<title>" + esc(label) + "</title>";
    out_ += "<rect x=\"0\" y=\"0\" width=\"" + c(width) + "\" height=\"" + c(height) +
            "\" fill=\"#ffffff\"/>";
  }
  std::string& raw() { return out_; }
  void line(double x1, double y1, double x2, double y2, std::string_view stroke, double width = 1.0,
            bool dashed = false, std::string_view tooltip = {}) {
    out_ += "<line x1=\"" + c(x1) + "\" y1=\"" + c(y1) + "\" x2=\"" + c(x2) + "\" y2=\"" + c(y2) +
            "\" stroke=\"" + std::string(stroke) + "\" stroke-width=\"" + c(width) + "\"";
    if (dashed) out_ += " stroke-dasharray=\"5 3\"";
    if (tooltip.empty()) {
      out_ += "/>";
    } else {
      out_ += "><title>" + esc(tooltip) + "</title></line>";
    }
  }
  void text(double x, double y, std::string_view s, std::string_view anchor = "start",
            std::string_view extra = {}) {
    out_ += "<text x=\"" + c(x) + "\" y=\"" + c(y) + "\" text-anchor=\"" + std::string(anchor) +
            "\"" + std::string(extra) + ">" + esc(s) + "</text>";
  }
  void rect(double x, double y, double w, double h, std::string_view fill, double opacity,
            std::string_view tooltip = {}) {
    out_ += "<rect x=\"" + c(x) + "\" y=\"" + c(y) + "\" width=\"" + c(std::max(w, 0.0)) +
            "\" height=\"" + c(std::max(h, 0.0)) + "\" fill=\"" + std::string(fill) + "\"";
    if (opacity < 1.0) out_ += " fill-opacity=\"" + format_number(opacity, 3) + "\"";
    if (tooltip.empty()) {
      out_ += "/>";
    } else {
      out_ += "><title>" + esc(tooltip) + "</title></rect>";
    }
  }
  // A nested <svg> with a viewBox equal to its own box: same coordinates, clipped to the plot
  // area without a clipPath id (ids would have to be unique across the whole page).
  void begin_clip(double left, double top, double w, double h) {
    out_ += "<svg x=\"" + c(left) + "\" y=\"" + c(top) + "\" width=\"" + c(w) + "\" height=\"" +
            c(h) + "\" viewBox=\"" + c(left) + " " + c(top) + " " + c(w) + " " + c(h) +
            "\" overflow=\"hidden\">";
  }
  void end_clip() { out_ += "</svg>"; }
  std::string finish() {
    out_ += "</svg>";
    return std::move(out_);
  }

 private:
  std::string out_;
};

struct Area {
  double left, top, right, bottom;
  double width() const { return right - left; }
  double height() const { return bottom - top; }
};

struct Axis {
  double lo = 0.0, hi = 1.0;
  double px_lo = 0.0, px_hi = 1.0;  // pixel of lo and of hi
  bool log = false;
  std::vector<double> ticks;
  double step = 0.2;  // linear tick spacing, for labels

  bool valid(double v) const { return std::isfinite(v) && (!log || v > 0.0); }
  double map(double v) const {
    if (log) {
      const double a = std::log10(lo), b = std::log10(hi);
      return px_lo + (std::log10(v) - a) / (b - a) * (px_hi - px_lo);
    }
    return px_lo + (v - lo) / (hi - lo) * (px_hi - px_lo);
  }
  std::string label(double v) const {
    if (log) return format_number(v, 3);
    if (std::fabs(v) < step * 1e-9) return "0";
    const double magnitude = std::max(std::fabs(lo), std::fabs(hi));
    if (magnitude >= 1e6 || step < 1e-4) return format_number(v, 3);
    const int decimals = std::clamp(static_cast<int>(-std::floor(std::log10(step) + 1e-9)), 0, 8);
    return strip_zeros(chars(v, std::chars_format::fixed, decimals));
  }
};

// Data range [lo, hi] -> axis; `fixed` keeps the range, otherwise it widens to nice ticks.
Axis make_axis(double lo, double hi, bool log, bool fixed, int target_ticks) {
  Axis a;
  a.log = log;
  if (!std::isfinite(lo) || !std::isfinite(hi)) {
    lo = log ? 1.0 : 0.0;
    hi = log ? 10.0 : 1.0;
  }
  if (log) {
    if (fixed) {
      a.lo = lo;
      a.hi = hi > lo ? hi : lo * 10.0;
    } else {
      a.lo = std::pow(10.0, std::floor(std::log10(lo) + 1e-9));
      a.hi = std::pow(10.0, std::ceil(std::log10(hi) - 1e-9));
      if (a.hi <= a.lo) a.hi = a.lo * 10.0;
    }
    for (double t : log_ticks(a.lo, a.hi)) {
      if (t >= a.lo * (1 - 1e-9) && t <= a.hi * (1 + 1e-9)) a.ticks.push_back(t);
    }
    return a;
  }
  std::vector<double> ticks = nice_ticks(lo, hi, target_ticks);
  a.step = ticks.size() > 1 ? ticks[1] - ticks[0] : 1.0;
  if (fixed && hi > lo) {
    a.lo = lo;
    a.hi = hi;
    const double eps = (hi - lo) * 1e-9;
    for (double t : ticks) {
      if (t >= lo - eps && t <= hi + eps) a.ticks.push_back(t);
    }
  } else {
    a.ticks = ticks;
    a.lo = ticks.front();
    a.hi = ticks.back();
  }
  return a;
}

void draw_grid_and_axes(Svg& svg, const Area& area, const Axis& x, const Axis& y,
                        const std::string& x_label, const std::string& y_label) {
  for (double t : y.ticks) {
    const double py = y.map(t);
    svg.line(area.left, py, area.right, py, kGrid);
    svg.text(area.left - 6, py + 3.5, y.label(t), "end", " fill=\"#333333\"");
  }
  for (double t : x.ticks) {
    const double px = x.map(t);
    svg.line(px, area.top, px, area.bottom, kGrid);
    svg.line(px, area.bottom, px, area.bottom + 4, kAxis);
    svg.text(px, area.bottom + 16, x.label(t), "middle", " fill=\"#333333\"");
  }
  svg.line(area.left, area.bottom, area.right, area.bottom, kAxis);
  svg.line(area.left, area.top, area.left, area.bottom, kAxis);
  if (!x_label.empty()) {
    svg.text((area.left + area.right) / 2, area.bottom + 32, x_label, "middle",
             " fill=\"#222222\"");
  }
  if (!y_label.empty()) {
    const double cx = area.left - 46, cy = (area.top + area.bottom) / 2;
    svg.text(cx, cy, y_label, "middle",
             " fill=\"#222222\" transform=\"rotate(-90 " + c(cx) + " " + c(cy) + ")\"");
  }
}

void draw_title(Svg& svg, const std::string& title, double left) {
  if (!title.empty()) svg.text(left, 16, title, "start", " font-size=\"13\" font-weight=\"600\" fill=\"#111111\"");
}

struct LegendItem {
  std::string label;
  std::string colour;
  enum Kind { kLine, kDashed, kBox, kDot } kind = kLine;
};

// One row of legend entries from x to the right, at baseline y.
void draw_legend(Svg& svg, const std::vector<LegendItem>& items, double x, double y) {
  for (const auto& item : items) {
    switch (item.kind) {
      case LegendItem::kLine:
      case LegendItem::kDashed:
        svg.line(x, y - 4, x + 18, y - 4, item.colour, 2.0, item.kind == LegendItem::kDashed);
        break;
      case LegendItem::kBox:
        svg.rect(x + 2, y - 10, 14, 10, item.colour, 0.45);
        break;
      case LegendItem::kDot:
        svg.raw() += "<circle cx=\"" + c(x + 9) + "\" cy=\"" + c(y - 4) + "\" r=\"3.5\" fill=\"" +
                     item.colour + "\"/>";
        break;
    }
    svg.text(x + 23, y, item.label, "start", " fill=\"#222222\"");
    x += 23 + text_width(item.label) + 14;
  }
}

// "M x y L x y ..." through the kept points, lifting the pen at points the axes cannot show.
std::string path_data(const std::vector<double>& xs, const std::vector<double>& ys,
                      const std::vector<std::size_t>& keep, const Axis& x, const Axis& y) {
  std::string d;
  bool pen_down = false;
  for (const std::size_t i : keep) {
    if (!x.valid(xs[i]) || !y.valid(ys[i])) {
      pen_down = false;
      continue;
    }
    d += pen_down ? "L" : "M";
    d += c(x.map(xs[i])) + " " + c(y.map(ys[i]));
    pen_down = true;
  }
  return d;
}

// Min and max of the finite (and, for log, positive) values.
void extend(double& lo, double& hi, double v, bool positive_only = false) {
  if (!std::isfinite(v) || (positive_only && v <= 0.0)) return;
  lo = std::min(lo, v);
  hi = std::max(hi, v);
}

constexpr double kInf = std::numeric_limits<double>::infinity();

}  // namespace

// ----------------------------------------------------------------------------------- LinePlot

LinePlot& LinePlot::add_series(Series series) {
  series_.push_back(std::move(series));
  return *this;
}
LinePlot& LinePlot::add_vline(MarkerLine line) {
  vlines_.push_back(std::move(line));
  return *this;
}
LinePlot& LinePlot::add_hline(MarkerLine line) {
  hlines_.push_back(std::move(line));
  return *this;
}
LinePlot& LinePlot::add_shade(ShadedRange range) {
  shades_.push_back(std::move(range));
  return *this;
}
LinePlot& LinePlot::log_y(bool on) {
  log_y_ = on;
  return *this;
}
LinePlot& LinePlot::x_range(double lo, double hi) {
  fixed_x_ = true;
  x_lo_ = lo;
  x_hi_ = hi;
  return *this;
}
LinePlot& LinePlot::y_range(double lo, double hi) {
  fixed_y_ = true;
  y_lo_ = lo;
  y_hi_ = hi;
  return *this;
}

std::string LinePlot::svg() const {
  const Frame& f = frame_;
  Svg svg(f.width_px, f.height_px, f.title.empty() ? f.y_label + " vs " + f.x_label : f.title);
  const double legend_y = f.title.empty() ? 14.0 : 34.0;
  const Area area{64.0, legend_y + 14.0, f.width_px - 18.0, f.height_px - 44.0};

  double x_lo = kInf, x_hi = -kInf, y_lo = kInf, y_hi = -kInf;
  bool any = false;
  for (const auto& s : series_) {
    const std::size_t n = std::min(s.x.size(), s.y.size());
    for (std::size_t i = 0; i < n; ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i]) || (log_y_ && s.y[i] <= 0.0)) continue;
      extend(x_lo, x_hi, s.x[i]);
      extend(y_lo, y_hi, s.y[i]);
      any = true;
    }
  }
  for (const auto& v : vlines_) extend(x_lo, x_hi, v.value);
  for (const auto& h : hlines_) extend(y_lo, y_hi, h.value, log_y_);
  for (const auto& r : shades_) {
    extend(x_lo, x_hi, r.x_from);
    extend(x_lo, x_hi, r.x_to);
  }
  if (fixed_x_) {
    x_lo = x_lo_;
    x_hi = x_hi_;
  }
  if (fixed_y_) {
    y_lo = y_lo_;
    y_hi = y_hi_;
  }
  Axis x = make_axis(x_lo, x_hi, false, fixed_x_, 6);
  Axis y = make_axis(y_lo, y_hi, log_y_, fixed_y_, 5);
  x.px_lo = area.left;
  x.px_hi = area.right;
  y.px_lo = area.bottom;
  y.px_hi = area.top;

  draw_title(svg, f.title, 8);
  draw_grid_and_axes(svg, area, x, y, f.x_label, f.y_label);

  svg.begin_clip(area.left, area.top, area.width(), area.height());
  for (const auto& r : shades_) {
    if (!x.valid(r.x_from) || !x.valid(r.x_to)) continue;
    const double a = x.map(std::min(r.x_from, r.x_to)), b = x.map(std::max(r.x_from, r.x_to));
    svg.rect(a, area.top, std::max(b - a, 1.5), area.height(), r.colour, 0.15, r.label);
  }
  std::vector<LegendItem> legend;
  std::size_t colour_index = 0;
  for (const auto& s : series_) {
    const std::string colour =
        s.colour.empty() ? kPalette[colour_index++ % kPalette.size()] : s.colour;
    const std::size_t n = std::min(s.x.size(), s.y.size());
    std::vector<double> ys(s.y.begin(), s.y.begin() + static_cast<std::ptrdiff_t>(n));
    const auto keep = downsample_min_max(ys, kMaxPoints);
    const std::string d = path_data(s.x, s.y, keep, x, y);
    if (!d.empty()) {
      svg.raw() += "<path d=\"" + d + "\" fill=\"none\" stroke=\"" + colour +
                   "\" stroke-width=\"1.8\" stroke-linejoin=\"round\"";
      if (s.dashed) svg.raw() += " stroke-dasharray=\"6 4\"";
      svg.raw() += "><title>" + esc(s.name) + "</title></path>";
    }
    if (s.markers && keep.size() <= 200) {
      for (const std::size_t i : keep) {
        if (!x.valid(s.x[i]) || !y.valid(s.y[i])) continue;
        svg.raw() += "<circle cx=\"" + c(x.map(s.x[i])) + "\" cy=\"" + c(y.map(s.y[i])) +
                     "\" r=\"2.6\" fill=\"" + colour + "\"><title>" +
                     esc(s.name + ": " + format_number(s.x[i]) + ", " + format_number(s.y[i])) +
                     "</title></circle>";
      }
    }
    if (!s.name.empty()) {
      legend.push_back({s.name, colour, s.dashed ? LegendItem::kDashed : LegendItem::kLine});
    }
  }
  for (const auto& v : vlines_) {
    if (!x.valid(v.value)) continue;
    const double px = x.map(v.value);
    svg.line(px, area.top, px, area.bottom, v.colour, 1.4, v.dashed,
             v.label + " (" + format_number(v.value) + ")");
    if (!v.label.empty()) {
      const bool right = px + 6 + text_width(v.label, 10) < area.right;
      svg.text(right ? px + 4 : px - 4, area.top + 12, v.label, right ? "start" : "end",
               std::string(" font-size=\"10\" fill=\"" + v.colour + "\"") + kHalo);
    }
  }
  for (const auto& h : hlines_) {
    if (!y.valid(h.value)) continue;
    const double py = y.map(h.value);
    svg.line(area.left, py, area.right, py, h.colour, 1.4, h.dashed,
             h.label + " (" + format_number(h.value) + ")");
    if (!h.label.empty()) {
      svg.text(area.right - 4, py - 4, h.label, "end", std::string(" font-size=\"10\" fill=\"" + h.colour + "\"") + kHalo);
    }
  }
  svg.end_clip();
  if (!any) {
    svg.text((area.left + area.right) / 2, (area.top + area.bottom) / 2, "no finite data",
             "middle", " fill=\"#777777\"");
  }
  draw_legend(svg, legend, area.left, legend_y);
  return svg.finish();
}

// ----------------------------------------------------------------------------------- histogram

std::string histogram(const HistogramSpec& spec) {
  const Frame& f = spec.frame;
  Svg svg(f.width_px, f.height_px, f.title.empty() ? "histogram" : f.title);
  const double legend_y = f.title.empty() ? 14.0 : 34.0;
  const Area area{64.0, legend_y + 14.0, f.width_px - 18.0, f.height_px - 44.0};

  std::vector<double> all;
  all.reserve(spec.first.size() + spec.second.size());
  for (double v : spec.first) if (std::isfinite(v)) all.push_back(v);
  for (double v : spec.second) if (std::isfinite(v)) all.push_back(v);
  const int bins = std::clamp(spec.bins, 1, 400);
  double lo = 0.0, hi = 1.0;
  bool clipped = false;
  if (!all.empty()) {
    std::sort(all.begin(), all.end());
    lo = all.front();
    hi = all.back();
    const double q = std::clamp(spec.clip_quantile, 0.5, 1.0);
    if (q < 1.0) {
      const auto at = static_cast<std::size_t>(std::floor(q * static_cast<double>(all.size() - 1)));
      const double q_value = all[at];
      // Clip only a real tail: when the quantile is much closer to the bulk than the maximum.
      if (q_value > lo && (hi - lo) > 1.5 * (q_value - lo)) {
        hi = q_value;
        clipped = true;
      }
    }
  }
  if (spec.has_threshold && std::isfinite(spec.threshold)) {
    if (spec.threshold > hi) {
      hi = spec.threshold + 0.05 * (spec.threshold - lo);
      clipped = clipped && hi < all.back();
    }
    lo = std::min(lo, spec.threshold);
  }
  if (!(hi > lo)) hi = lo + 1.0;
  const double bin_width = (hi - lo) / bins;
  auto count = [&](const std::vector<double>& values) {
    std::vector<double> counts(static_cast<std::size_t>(bins), 0.0);
    for (double v : values) {
      if (!std::isfinite(v)) continue;
      auto b = static_cast<long>(std::floor((v - lo) / bin_width));
      b = std::clamp(b, 0L, static_cast<long>(bins - 1));  // the last bin holds the clipped tail
      counts[static_cast<std::size_t>(b)] += 1.0;
    }
    return counts;
  };
  const std::vector<double> first = count(spec.first);
  const std::vector<double> second = count(spec.second);
  double max_count = 1.0;
  for (double v : first) max_count = std::max(max_count, v);
  for (double v : second) max_count = std::max(max_count, v);

  Axis x = make_axis(lo, hi, false, true, 6);
  Axis y = spec.log_counts ? make_axis(1.0, max_count, true, false, 5)
                           : make_axis(0.0, max_count, false, false, 5);
  if (spec.log_counts) y.lo = std::min(y.lo, 1.0);
  x.px_lo = area.left;
  x.px_hi = area.right;
  y.px_lo = area.bottom;
  y.px_hi = area.top;
  std::string x_label = f.x_label;
  if (clipped) x_label += " (last bin: \u2265 " + format_number(hi - bin_width, 3) + ")";
  draw_title(svg, f.title, 8);
  draw_grid_and_axes(svg, area, x, y, x_label, f.y_label.empty() ? (spec.log_counts ? "count (log)" : "count") : f.y_label);

  auto bar_top = [&](double n) {
    if (spec.log_counts) return n >= 1.0 ? y.map(n) : area.bottom;
    return y.map(n);
  };
  auto step_path = [&](const std::vector<double>& counts) {
    std::string d = "M" + c(area.left) + " " + c(area.bottom);
    for (std::size_t b = 0; b < counts.size(); ++b) {
      const double x0 = x.map(lo + static_cast<double>(b) * bin_width);
      const double x1 = x.map(lo + static_cast<double>(b + 1) * bin_width);
      const double top = bar_top(counts[b]);
      d += "L" + c(x0) + " " + c(top) + "L" + c(x1) + " " + c(top);
    }
    d += "L" + c(area.right) + " " + c(area.bottom) + "Z";
    return d;
  };
  svg.begin_clip(area.left, area.top, area.width(), area.height());
  const char* first_colour = kPalette[0];
  const char* second_colour = kPalette[3];
  svg.raw() += "<path d=\"" + step_path(first) + "\" fill=\"" + first_colour +
               "\" fill-opacity=\"0.3\" stroke=\"" + first_colour + "\" stroke-width=\"1.4\"/>";
  svg.raw() += "<path d=\"" + step_path(second) + "\" fill=\"" + second_colour +
               "\" fill-opacity=\"0.3\" stroke=\"" + second_colour + "\" stroke-width=\"1.4\"/>";
  // Invisible full-height bins carry the tooltips (exact counts per bin).
  for (std::size_t b = 0; b < first.size(); ++b) {
    const double a = lo + static_cast<double>(b) * bin_width;
    const std::string range = format_number(a, 3) + (b + 1 == first.size() && clipped ? " and above" : "\u2013" + format_number(a + bin_width, 3));
    svg.rect(x.map(a), area.top, x.map(a + bin_width) - x.map(a), area.height(), "#000000", 0.0,
             range + ": " + spec.first_name + " " + format_number(first[b], 10) + ", " +
                 spec.second_name + " " + format_number(second[b], 10));
  }
  if (spec.has_threshold && std::isfinite(spec.threshold)) {
    const double px = x.map(spec.threshold);
    svg.line(px, area.top, px, area.bottom, "#000000", 1.6, true,
             spec.threshold_label + " = " + format_number(spec.threshold));
    const std::string label = spec.threshold_label + " " + format_number(spec.threshold, 3);
    const bool right = px + 6 + text_width(label, 10) < area.right;
    svg.text(right ? px + 4 : px - 4, area.top + 12, label, right ? "start" : "end",
             std::string(" font-size=\"10\" fill=\"#000000\"") + kHalo);
  }
  svg.end_clip();
  draw_legend(svg,
              {{spec.first_name + " (n=" + format_number(static_cast<double>(spec.first.size()), 10) + ")", first_colour, LegendItem::kBox},
               {spec.second_name + " (n=" + format_number(static_cast<double>(spec.second.size()), 10) + ")", second_colour, LegendItem::kBox},
               {spec.threshold_label, "#000000", LegendItem::kDashed}},
              area.left, legend_y);
  return svg.finish();
}

// ----------------------------------------------------------------------------------- beat plot

std::string beat_plot(const BeatPlotSpec& spec) {
  const Frame& f = spec.frame;
  Svg svg(f.width_px, f.height_px, f.title.empty() ? "beat and reconstruction" : f.title);
  const double legend_y = f.title.empty() ? 14.0 : 32.0;
  const double strip_px = 44.0;
  const Area main{52.0, legend_y + 10.0, f.width_px - 12.0, f.height_px - 40.0 - strip_px - 10.0};
  const Area strip{main.left, main.bottom + 10.0, main.right, f.height_px - 40.0};

  const std::size_t n = std::min(spec.beat.size(), spec.reconstruction.size());
  const double fs = spec.fs_hz > 0.0 && std::isfinite(spec.fs_hz) ? spec.fs_hz : 1.0;
  std::vector<double> t_ms(n), error(n);
  double y_lo = kInf, y_hi = -kInf, e_hi = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    t_ms[i] = 1000.0 * static_cast<double>(i) / fs;
    extend(y_lo, y_hi, spec.beat[i]);
    extend(y_lo, y_hi, spec.reconstruction[i]);
    const double d = spec.beat[i] - spec.reconstruction[i];
    error[i] = spec.error.size() == n ? spec.error[i] : d * d;
    if (std::isfinite(error[i])) e_hi = std::max(e_hi, error[i]);
  }
  const bool shade = std::isfinite(spec.error_level) && spec.error_level > 0.0;
  if (shade) e_hi = std::max(e_hi, spec.error_level);
  if (!(e_hi > 0.0)) e_hi = 1.0;

  Axis x = make_axis(0.0, n > 1 ? t_ms[n - 1] : 1.0, false, true, 5);
  Axis y = make_axis(y_lo, y_hi, false, false, 4);
  Axis ye = make_axis(0.0, e_hi, false, true, 2);
  ye.ticks = {0.0};
  x.px_lo = main.left;
  x.px_hi = main.right;
  y.px_lo = main.bottom;
  y.px_hi = main.top;
  ye.px_lo = strip.bottom;
  ye.px_hi = strip.top;
  draw_title(svg, f.title, 8);
  // Main panel: grid without x labels; the strip carries the x axis.
  for (double t : y.ticks) {
    const double py = y.map(t);
    svg.line(main.left, py, main.right, py, kGrid);
    svg.text(main.left - 5, py + 3.5, y.label(t), "end", " fill=\"#333333\" font-size=\"10\"");
  }
  for (double t : x.ticks) {
    const double px = x.map(t);
    svg.line(px, main.top, px, strip.bottom, kGrid);
    svg.text(px, strip.bottom + 14, x.label(t), "middle", " fill=\"#333333\" font-size=\"10\"");
  }
  svg.line(main.left, main.top, main.left, main.bottom, kAxis);
  svg.line(strip.left, strip.bottom, strip.right, strip.bottom, kAxis);
  svg.line(strip.left, strip.top, strip.left, strip.bottom, kAxis);
  svg.text((main.left + main.right) / 2, strip.bottom + 29, f.x_label.empty() ? "time in beat window (ms)" : f.x_label, "middle", " fill=\"#222222\" font-size=\"10\"");
  svg.text(main.left - 5, strip.top + 10, "error", "end", " fill=\"#333333\" font-size=\"10\"");

  const char* shade_colour = kPalette[3];
  svg.begin_clip(main.left, main.top, main.width(), main.height());
  if (shade) {
    // The area between beat and reconstruction over each run of samples with error > level.
    std::size_t i = 0;
    while (i < n) {
      if (!(std::isfinite(error[i]) && error[i] > spec.error_level && y.valid(spec.beat[i]) &&
            y.valid(spec.reconstruction[i]))) {
        ++i;
        continue;
      }
      std::size_t j = i;
      while (j < n && std::isfinite(error[j]) && error[j] > spec.error_level &&
             y.valid(spec.beat[j]) && y.valid(spec.reconstruction[j])) {
        ++j;
      }
      // Half a sample either side so a single-sample run is still visible.
      const double half = 500.0 / fs;
      std::string d;
      for (std::size_t k = i; k < j; ++k) {
        const double px_a = x.map(t_ms[k] - (k == i ? half : 0.0));
        const double px_b = x.map(t_ms[k] + (k + 1 == j ? half : 0.0));
        d += (d.empty() ? "M" : "L") + c(px_a) + " " + c(y.map(spec.beat[k]));
        if (k + 1 == j) d += "L" + c(px_b) + " " + c(y.map(spec.beat[k]));
      }
      for (std::size_t k = j; k-- > i;) {
        const double px_b = x.map(t_ms[k] + (k + 1 == j ? half : 0.0));
        const double px_a = x.map(t_ms[k] - (k == i ? half : 0.0));
        if (k + 1 == j) d += "L" + c(px_b) + " " + c(y.map(spec.reconstruction[k]));
        d += "L" + c(px_a) + " " + c(y.map(spec.reconstruction[k]));
      }
      d += "Z";
      svg.raw() += "<path d=\"" + d + "\" fill=\"" + shade_colour +
                   "\" fill-opacity=\"0.35\" stroke=\"none\"><title>" +
                   esc("error above " + format_number(spec.error_level, 3) + " from " +
                       format_number(t_ms[i], 4) + " to " + format_number(t_ms[j - 1], 4) + " ms") +
                   "</title></path>";
      i = j;
    }
  }
  std::vector<std::size_t> all(n);
  std::iota(all.begin(), all.end(), std::size_t{0});
  const std::string beat_d = path_data(t_ms, spec.beat, all, x, y);
  const std::string recon_d = path_data(t_ms, spec.reconstruction, all, x, y);
  svg.raw() += "<path d=\"" + beat_d + "\" fill=\"none\" stroke=\"" + kPalette[0] +
               "\" stroke-width=\"1.8\"><title>beat</title></path>";
  svg.raw() += "<path d=\"" + recon_d + "\" fill=\"none\" stroke=\"" + kPalette[1] +
               "\" stroke-width=\"1.8\" stroke-dasharray=\"5 3\"><title>reconstruction</title></path>";
  svg.end_clip();

  // Error strip: the per-sample error as a filled profile, the shading level dashed.
  svg.begin_clip(strip.left, strip.top, strip.width(), strip.height());
  {
    std::string d;
    bool pen_down = false;
    for (std::size_t i = 0; i < n; ++i) {
      if (!std::isfinite(error[i])) {
        if (pen_down) d += "L" + c(x.map(t_ms[i - 1])) + " " + c(strip.bottom);
        pen_down = false;
        continue;
      }
      const double py = ye.map(std::min(error[i], e_hi));
      if (!pen_down) d += "M" + c(x.map(t_ms[i])) + " " + c(strip.bottom);
      d += "L" + c(x.map(t_ms[i])) + " " + c(py);
      pen_down = true;
    }
    if (pen_down && n > 0) d += "L" + c(x.map(t_ms[n - 1])) + " " + c(strip.bottom);
    if (!d.empty()) {
      svg.raw() += "<path d=\"" + d + "\" fill=\"#777777\" fill-opacity=\"0.35\" stroke=\"#555555\" stroke-width=\"1\"><title>per-sample error (max " + esc(format_number(e_hi, 3)) + ")</title></path>";
    }
    if (shade) {
      const double py = ye.map(spec.error_level);
      svg.line(strip.left, py, strip.right, py, shade_colour, 1.2, true,
               "shading level " + format_number(spec.error_level, 3));
    }
  }
  svg.end_clip();
  std::vector<LegendItem> legend = {{"beat", kPalette[0], LegendItem::kLine},
                                    {"reconstruction", kPalette[1], LegendItem::kDashed}};
  if (shade) legend.push_back({"error > level", shade_colour, LegendItem::kBox});
  draw_legend(svg, legend, main.left, legend_y);
  return svg.finish();
}

// ----------------------------------------------------------------------------------- heatmap

std::string heatmap_table(const HeatmapTable& table) {
  // "#RRGGBB" -> r, g, b for an rgba() background whose alpha is the intensity.
  unsigned r = 0, g = 114, b = 178;
  if (table.colour.size() == 7 && table.colour[0] == '#') {
    const auto hex = [&](std::size_t at) {
      unsigned v = 0;
      std::from_chars(table.colour.data() + at, table.colour.data() + at + 2, v, 16);
      return v;
    };
    r = hex(1);
    g = hex(3);
    b = hex(5);
  }
  std::string out = "<table class=\"heatmap\"><thead><tr><th>" + esc(table.corner) + "</th>";
  for (const auto& label : table.column_labels) out += "<th>" + esc(label) + "</th>";
  out += "</tr></thead><tbody>";
  for (std::size_t i = 0; i < table.row_labels.size(); ++i) {
    out += "<tr><th>" + esc(table.row_labels[i]) + "</th>";
    for (std::size_t j = 0; j < table.column_labels.size(); ++j) {
      const std::string text =
          i < table.text.size() && j < table.text[i].size() ? table.text[i][j] : std::string();
      const double v = i < table.intensity.size() && j < table.intensity[i].size()
                           ? table.intensity[i][j]
                           : std::numeric_limits<double>::quiet_NaN();
      out += "<td";
      if (std::isfinite(v)) {
        const double alpha = 0.08 + 0.82 * std::clamp(v, 0.0, 1.0);
        out += " style=\"background:rgba(" + std::to_string(r) + "," + std::to_string(g) + "," +
               std::to_string(b) + "," + format_number(alpha, 2) + ");color:" +
               (alpha > 0.5 ? "#ffffff" : "#111111") + "\"";
      }
      if (i < table.tooltip.size() && j < table.tooltip[i].size() && !table.tooltip[i][j].empty()) {
        out += " title=\"" + esc(table.tooltip[i][j]) + "\"";
      }
      out += ">" + text + "</td>";  // text is HTML the caller built (escaped parts)
    }
    out += "</tr>";
  }
  out += "</tbody></table>";
  return out;
}

// ----------------------------------------------------------------------------------- timeline

std::string timeline(const TimelineSpec& spec) {
  const Frame& f = spec.frame;
  Svg svg(f.width_px, f.height_px, f.title.empty() ? "score over time" : f.title);
  const double legend_y = f.title.empty() ? 14.0 : 34.0;
  const double alert_rows_px = spec.alerts.empty() ? 0.0 : 36.0;
  const Area area{64.0, legend_y + 12.0 + alert_rows_px, f.width_px - 18.0,
                  f.height_px - 44.0};

  const std::size_t n = std::min(spec.time_s.size(), spec.score.size());
  double t_lo = kInf, t_hi = -kInf, s_lo = kInf, s_hi = -kInf;
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(spec.time_s[i]) || !std::isfinite(spec.score[i])) continue;
    if (spec.log_y && spec.score[i] <= 0.0) continue;
    extend(t_lo, t_hi, spec.time_s[i]);
    extend(s_lo, s_hi, spec.score[i]);
  }
  for (const auto& a : spec.alerts) {
    extend(t_lo, t_hi, a.since_s);
    extend(t_lo, t_hi, a.detected_s);
  }
  for (const auto& ch : spec.changes) extend(t_lo, t_hi, ch.time_s);
  if (spec.has_threshold) extend(s_lo, s_hi, spec.threshold, spec.log_y);
  if (!spec.log_y && s_lo > 0.0 && std::isfinite(s_lo)) s_lo = 0.0;  // scores are >= 0: show 0

  // Time unit chosen so tick labels stay short.
  double unit_s = 1.0;
  std::string unit = "s";
  const double span = std::isfinite(t_hi - t_lo) ? t_hi - t_lo : 0.0;
  if (span > 3.0 * 3600.0) {
    unit_s = 3600.0;
    unit = "h";
  } else if (span > 180.0) {
    unit_s = 60.0;
    unit = "min";
  }
  Axis x = make_axis(t_lo / unit_s, t_hi / unit_s, false, false, 12);
  // A stream that starts within the first 5% of its span is shown from 0.
  if (std::isfinite(t_lo) && t_lo > 0.0 && t_lo < 0.05 * span) t_lo = 0.0;
  if (std::isfinite(t_lo) && std::isfinite(t_hi) && t_hi > t_lo) {
    // Keep the data edge to edge: a day shown as 0..24 h, not padded to 0..25.
    x = make_axis(t_lo / unit_s, t_hi / unit_s, false, true, 12);
  }
  Axis y = make_axis(s_lo, s_hi, spec.log_y, false, 5);
  x.px_lo = area.left;
  x.px_hi = area.right;
  y.px_lo = area.bottom;
  y.px_hi = area.top;
  draw_title(svg, f.title, 8);
  draw_grid_and_axes(svg, area, x, y, f.x_label.empty() ? "time (" + unit + ")" : f.x_label,
                     f.y_label.empty() ? "anomaly score" : f.y_label);
  const char* alert_colour = kPalette[4];
  const char* uncertain_colour = kPalette[1];
  const char* anomalous_colour = kPalette[3];
  const char* score_colour = "#6a8caf";
  auto tx = [&](double t_s) { return x.map(t_s / unit_s); };

  svg.begin_clip(area.left, area.top, area.width(), area.height());
  // Alert windows (change since .. detection) behind everything.
  for (const auto& a : spec.alerts) {
    if (!std::isfinite(a.since_s) || !std::isfinite(a.detected_s)) continue;
    const double p0 = tx(std::min(a.since_s, a.detected_s)), p1 = tx(std::max(a.since_s, a.detected_s));
    svg.rect(p0, area.top, std::max(p1 - p0, 1.0), area.height(), alert_colour, 0.12, a.tooltip);
  }
  {
    std::vector<double> t(spec.time_s.begin(), spec.time_s.begin() + static_cast<std::ptrdiff_t>(n));
    std::vector<double> s(spec.score.begin(), spec.score.begin() + static_cast<std::ptrdiff_t>(n));
    for (double& v : t) v /= unit_s;
    const auto keep = downsample_min_max(s, kMaxPoints);
    const std::string d = path_data(t, s, keep, x, y);
    if (!d.empty()) {
      svg.raw() += "<path d=\"" + d + "\" fill=\"none\" stroke=\"" + score_colour +
                   "\" stroke-width=\"1\" stroke-linejoin=\"round\"><title>score</title></path>";
    }
  }
  // Decision dots: with many, keep the highest score per pixel column and decision.
  std::size_t n_flagged = 0;
  for (std::size_t i = 0; i < n && i < spec.decision.size(); ++i) n_flagged += spec.decision[i] > 0 ? 1U : 0U;
  const bool thin = n_flagged > 1500;
  const bool tooltips = n_flagged <= 400;
  for (int level : {1, 2}) {
    std::vector<std::size_t> best(static_cast<std::size_t>(std::max(area.width(), 1.0)) + 2, n);
    std::string dots;
    for (std::size_t i = 0; i < n && i < spec.decision.size(); ++i) {
      if (spec.decision[i] != level) continue;
      if (!std::isfinite(spec.time_s[i]) || !y.valid(spec.score[i])) continue;
      const double px = tx(spec.time_s[i]);
      if (thin) {
        const auto col = static_cast<std::size_t>(std::clamp(px - area.left, 0.0, area.width()));
        if (best[col] == n || spec.score[i] > spec.score[best[col]]) best[col] = i;
        continue;
      }
      dots += "<circle cx=\"" + c(px) + "\" cy=\"" + c(y.map(spec.score[i])) + "\" r=\"2.4\"";
      if (tooltips) {
        dots += "><title>" + esc("t = " + format_number(spec.time_s[i], 6) + " s, score " +
                                 format_number(spec.score[i]) +
                                 (level == 2 ? ", anomalous" : ", uncertain")) +
                "</title></circle>";
      } else {
        dots += "/>";
      }
    }
    if (thin) {
      for (std::size_t i : best) {
        if (i == n) continue;
        dots += "<circle cx=\"" + c(tx(spec.time_s[i])) + "\" cy=\"" + c(y.map(spec.score[i])) +
                "\" r=\"2.4\"/>";
      }
    }
    svg.raw() += std::string("<g fill=\"") + (level == 2 ? anomalous_colour : uncertain_colour) +
                 "\" fill-opacity=\"0.85\">" + dots + "</g>";
  }
  if (spec.has_threshold && y.valid(spec.threshold)) {
    const double py = y.map(spec.threshold);
    svg.line(area.left, py, area.right, py, "#000000", 1.3, true,
             "threshold " + format_number(spec.threshold));
    svg.text(area.right - 4, py - 4, "threshold " + format_number(spec.threshold, 3), "end",
             std::string(" font-size=\"10\" fill=\"#000000\"") + kHalo);
  }
  // Injected changes: dashed black lines, labels staggered in two rows along the bottom.
  double last_label_end[2] = {-kInf, -kInf};
  for (std::size_t k = 0; k < spec.changes.size(); ++k) {
    const auto& ch = spec.changes[k];
    if (!std::isfinite(ch.time_s)) continue;
    const double px = tx(ch.time_s);
    svg.line(px, area.top, px, area.bottom, "#000000", 1.1, true,
             ch.label + " at " + format_number(ch.time_s, 6) + " s");
    const int row = last_label_end[0] < px ? 0 : (last_label_end[1] < px ? 1 : -1);
    if (row >= 0 && !ch.label.empty()) {
      const double w = text_width(ch.label, 10);
      const bool right = px + 4 + w < area.right;
      svg.text(right ? px + 3 : px - 3, area.bottom - 6 - 12.0 * row, ch.label, right ? "start" : "end",
               std::string(" font-size=\"10\" fill=\"#000000\"") + kHalo);
      last_label_end[row] = right ? px + 3 + w + 6 : px + 6;
    }
  }
  svg.end_clip();
  // Alerts: a line at detection inside the plot, a triangle and label above it.
  double alert_label_end[3] = {-kInf, -kInf, -kInf};
  for (const auto& a : spec.alerts) {
    if (!std::isfinite(a.detected_s)) continue;
    const double px = tx(a.detected_s);
    if (px < area.left - 0.5 || px > area.right + 0.5) continue;
    std::string g = "<g><title>" + esc(a.tooltip) + "</title>";
    svg.raw() += g;
    svg.line(px, area.top, px, area.bottom, alert_colour, 1.6);
    svg.raw() += "<path d=\"M" + c(px - 4.5) + " " + c(area.top - 8) + "L" + c(px + 4.5) + " " +
                 c(area.top - 8) + "L" + c(px) + " " + c(area.top - 1) + "Z\" fill=\"" +
                 alert_colour + "\"/>";
    int row = -1;
    for (int r = 0; r < 3; ++r) {
      if (alert_label_end[r] < px) {
        row = r;
        break;
      }
    }
    if (row >= 0 && !a.label.empty()) {
      const double w = text_width(a.label, 10);
      const bool right = px + w < area.right;
      const double ty = area.top - 11 - 11.0 * (2 - row);
      svg.text(right ? px - 3 : px + 3, ty, a.label, right ? "start" : "end",
               std::string(" font-size=\"10\" fill=\"") + "#7a3d6a" + "\"");
      alert_label_end[row] = right ? px - 3 + w + 8 : px + 8;
    }
    svg.raw() += "</g>";
  }
  std::vector<LegendItem> legend = {{"score", score_colour, LegendItem::kLine}};
  if (spec.has_threshold) legend.push_back({"threshold", "#000000", LegendItem::kDashed});
  legend.push_back({"uncertain", uncertain_colour, LegendItem::kDot});
  legend.push_back({"anomalous", anomalous_colour, LegendItem::kDot});
  if (!spec.alerts.empty()) legend.push_back({"drift alert (shaded: since \u2192 detected)", alert_colour, LegendItem::kLine});
  if (!spec.changes.empty()) legend.push_back({"injected change", "#000000", LegendItem::kDashed});
  draw_legend(svg, legend, area.left, legend_y);
  if (n == 0) {
    svg.text((area.left + area.right) / 2, (area.top + area.bottom) / 2, "no finite data",
             "middle", " fill=\"#777777\"");
  }
  return svg.finish();
}

}  // namespace ecgad::report
