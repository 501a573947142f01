#pragma once
// Plot primitives of the HTML report: inline SVG written by our own code, because a report must
// open offline and Debian has no suitable C++ plotting library. Every function returns one
// self-contained, XML-well-formed <svg> element (no xmlns: the HTML parser supplies it, and the
// page then holds no "http://" reference) sized by its viewBox, so it scales with the page.
//
// Conventions: colours from the Okabe-Ito palette (distinguishable with the common colour-vision
// deficiencies; Okabe & Ito, "Color Universal Design", 2008); tooltips are SVG <title> children;
// non-finite data points are skipped (a line breaks there), never written as "nan"; series longer
// than ~2000 points are reduced to the minimum and maximum of each bucket so spikes survive.

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ecgad::report {

/// Okabe-Ito colour-blind-safe palette: blue, orange, bluish green, vermillion, reddish purple,
/// sky blue, yellow, black.
inline constexpr std::array<const char*, 8> kPalette = {
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"};

/// `text` with & < > " ' replaced by entities (valid in both HTML and XML).
std::string escape_html(std::string_view text);

/// A number for people: up to `significant` significant digits, no trailing zeros, "–" for
/// NaN/Inf; locale-independent.
std::string format_number(double value, int significant = 4);

/// A coordinate for SVG attributes: fixed, one decimal, locale-independent; clamped to ±1e6 so
/// an off-scale point stays a valid number.
std::string format_coordinate(double value);

/// Tick positions covering [lo, hi] at "nice" steps of 1, 2 or 5 × 10^k (Heckbert, "Nice numbers
/// for graph labels", Graphics Gems, 1990), about `target_count` of them; the first tick is <= lo
/// and the last >= hi. lo == hi gives a small range around the value; non-finite bounds give {0, 1}.
std::vector<double> nice_ticks(double lo, double hi, int target_count = 5);

/// Ticks for a log axis over [lo, hi] (both > 0): the powers of ten covering the range, plus 2
/// and 5 multiples when it spans fewer than three decades.
std::vector<double> log_ticks(double lo, double hi);

/// Indices of the points to draw for a series of n points when at most about `max_points` are
/// wanted: every index when n <= max_points, otherwise per bucket of consecutive indices the
/// first, minimum, maximum and last finite y (in index order), so peaks and dips survive.
std::vector<std::size_t> downsample_min_max(const std::vector<double>& y, std::size_t max_points);

/// One named line of a LinePlot.
struct Series {
  std::string name;
  std::vector<double> x;
  std::vector<double> y;
  std::string colour;    ///< empty: the next palette colour
  bool dashed = false;
  bool markers = false;  ///< a dot at each (kept) point, e.g. for short per-epoch curves
};

/// A labelled vertical (x = value) or horizontal (y = value) reference line.
struct MarkerLine {
  double value = 0.0;
  std::string label;
  std::string colour = "#555555";
  bool dashed = true;
};

/// A shaded band over [x_from, x_to] of the plot's x axis.
struct ShadedRange {
  double x_from = 0.0;
  double x_to = 0.0;
  std::string label;  ///< tooltip
  std::string colour = "#CC79A7";
};

/// Size and labels shared by every plot (pixels of the viewBox; the page scales them).
struct Frame {
  double width_px = 640.0;
  double height_px = 360.0;
  std::string title;
  std::string x_label;
  std::string y_label;
};

/// Several named series on common axes, with optional log-y, reference lines and shaded ranges.
class LinePlot {
 public:
  explicit LinePlot(Frame frame) : frame_(std::move(frame)) {}

  LinePlot& add_series(Series series);
  LinePlot& add_vline(MarkerLine line);
  LinePlot& add_hline(MarkerLine line);
  LinePlot& add_shade(ShadedRange range);
  /// Log-scaled y axis; points with y <= 0 are then skipped.
  LinePlot& log_y(bool on = true);
  /// Fixed axis ranges instead of nice ranges around the data (e.g. [0, 1] for ROC curves).
  LinePlot& x_range(double lo, double hi);
  LinePlot& y_range(double lo, double hi);

  /// The <svg> element.
  std::string svg() const;

 private:
  Frame frame_;
  std::vector<Series> series_;
  std::vector<MarkerLine> vlines_;
  std::vector<MarkerLine> hlines_;
  std::vector<ShadedRange> shades_;
  bool log_y_ = false;
  bool fixed_x_ = false;
  bool fixed_y_ = false;
  double x_lo_ = 0.0, x_hi_ = 1.0, y_lo_ = 0.0, y_hi_ = 1.0;
};

/// Two overlaid distributions as step histograms with shared bins, plus a threshold line.
struct HistogramSpec {
  Frame frame;
  std::string first_name = "normal";
  std::string second_name = "abnormal";
  std::vector<double> first;
  std::vector<double> second;
  double threshold = 0.0;
  bool has_threshold = false;
  std::string threshold_label = "threshold";
  int bins = 40;
  bool log_counts = false;
  /// Values above this quantile of all finite values go into the last bin (marked "≥"), so a
  /// long tail does not squeeze the bulk into a few bins; 1 keeps the full range.
  double clip_quantile = 0.995;
};
std::string histogram(const HistogramSpec& spec);

/// One beat and its reconstruction, the area between them shaded where the per-sample error is
/// above `error_level`, and the error profile as a strip underneath.
struct BeatPlotSpec {
  Frame frame;
  double fs_hz = 360.0;
  std::vector<double> beat;
  std::vector<double> reconstruction;
  std::vector<double> error;  ///< per sample; empty: (beat - reconstruction)^2
  double error_level = 0.0;   ///< shading level; NaN or <= 0: no shading
};
std::string beat_plot(const BeatPlotSpec& spec);

/// A table whose cells are coloured by `intensity` in [0, 1] (NaN: uncoloured); `text` is what
/// each cell shows and `tooltip` its <title>/title. Returns an HTML <table> (accessible text,
/// copyable numbers), not SVG.
struct HeatmapTable {
  std::string corner;                 ///< top-left header cell
  std::vector<std::string> row_labels;
  std::vector<std::string> column_labels;
  std::vector<std::vector<std::string>> text;       ///< rows × columns
  std::vector<std::vector<double>> intensity;       ///< rows × columns
  std::vector<std::vector<std::string>> tooltip;    ///< rows × columns, may be empty
  std::string colour = "#0072B2";
};
std::string heatmap_table(const HeatmapTable& table);

/// Score over time with its threshold, decision-coloured dots (1 uncertain, 2 anomalous),
/// alert markers and injected-change markers.
struct TimelineAlert {
  double since_s = 0.0;
  double detected_s = 0.0;
  std::string label;    ///< short text over the marker (e.g. the kind)
  std::string tooltip;  ///< kind, cause, action, strength
};
struct TimelineChange {
  double time_s = 0.0;
  std::string label;
};
struct TimelineSpec {
  Frame frame;
  std::vector<double> time_s;
  std::vector<double> score;
  std::vector<int> decision;  ///< empty or one per point
  double threshold = 0.0;
  bool has_threshold = false;
  std::vector<TimelineAlert> alerts;
  std::vector<TimelineChange> changes;
  bool log_y = false;
};
std::string timeline(const TimelineSpec& spec);

}  // namespace ecgad::report
