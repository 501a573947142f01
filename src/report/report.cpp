// The self-contained HTML report (include/ecgad/report/report.hpp; keys in docs/report.md).
#include "ecgad/report/report.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "../io/file_util.hpp"  // OutputFile: temp file + rename (header-only class)
#include "ecgad/error.hpp"
#include "ecgad/report/svg.hpp"
#include "ecgad/version.hpp"

namespace ecgad::report {

namespace {

using json = nlohmann::json;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// ----------------------------------------------------------------------------------- document access
// Every accessor takes the parent object, the parent's dotted path and the key, so an error names
// exactly the key that is wrong ("evaluation.roc.fpr"). A key holding null counts as absent.

std::string join(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

std::string describe(const json& v) {
  std::string text = v.dump(-1, ' ', false, json::error_handler_t::replace);
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return std::string(v.type_name()) + " " + text;
}

[[noreturn]] void wrong(const std::string& path, const std::string& expected, const json& got) {
  throw InvalidArgument("report document: '" + path + "' must be " + expected + ", got " +
                        describe(got));
}

const json* find(const json& obj, const std::string& key) {
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

const json* object_at(const json& parent, const std::string& path, const std::string& key) {
  const json* v = find(parent, key);
  if (v != nullptr && !v->is_object()) wrong(join(path, key), "an object", *v);
  return v;
}

const json* array_at(const json& parent, const std::string& path, const std::string& key) {
  const json* v = find(parent, key);
  if (v != nullptr && !v->is_array()) wrong(join(path, key), "an array", *v);
  return v;
}

std::optional<double> number_at(const json& parent, const std::string& path,
                                const std::string& key) {
  const json* v = find(parent, key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_number()) wrong(join(path, key), "a number", *v);
  return v->get<double>();
}

std::optional<bool> bool_at(const json& parent, const std::string& path, const std::string& key) {
  const json* v = find(parent, key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_boolean()) wrong(join(path, key), "true or false", *v);
  return v->get<bool>();
}

// A scalar shown as text: strings as they are, numbers formatted, booleans as yes/no.
std::string scalar_text(const json& v, const std::string& path) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
  if (v.is_number_integer()) return v.dump();
  if (v.is_number()) return format_number(v.get<double>());
  if (v.is_null()) return "\u2013";
  wrong(path, "a string, number or boolean", v);
}

std::optional<std::string> text_at(const json& parent, const std::string& path,
                                   const std::string& key) {
  const json* v = find(parent, key);
  if (v == nullptr) return std::nullopt;
  return scalar_text(*v, join(path, key));
}

std::string text_or(const json& parent, const std::string& path, const std::string& key,
                    const std::string& fallback) {
  return text_at(parent, path, key).value_or(fallback);
}

// An array of numbers; null elements (JSON has no NaN) and NaN/Inf become NaN.
std::vector<double> numbers(const json& v, const std::string& path) {
  if (!v.is_array()) wrong(path, "an array of numbers", v);
  std::vector<double> out;
  out.reserve(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    const json& e = v[i];
    if (e.is_null()) {
      out.push_back(kNaN);
    } else if (e.is_number()) {
      out.push_back(e.get<double>());
    } else {
      wrong(path + "[" + std::to_string(i) + "]", "a number or null", e);
    }
  }
  return out;
}

std::optional<std::vector<double>> numbers_at(const json& parent, const std::string& path,
                                              const std::string& key) {
  const json* v = find(parent, key);
  if (v == nullptr) return std::nullopt;
  return numbers(*v, join(path, key));
}

void require_same_length(const std::vector<double>& a, const std::string& a_path,
                         const std::vector<double>& b, const std::string& b_path) {
  if (a.size() != b.size()) {
    throw InvalidArgument("report document: '" + b_path + "' must have as many elements as '" +
                          a_path + "' (" + std::to_string(a.size()) + "), got " +
                          std::to_string(b.size()));
  }
}

// ----------------------------------------------------------------------------------- html pieces

std::string esc(std::string_view s) { return escape_html(s); }
std::string num(double v, int significant = 4) { return format_number(v, significant); }
std::string count_text(double v) { return std::isfinite(v) ? format_number(v, 15) : "\u2013"; }

// "1 h 30 min", "12.5 s".
std::string duration_text(double seconds) {
  if (!std::isfinite(seconds)) return "\u2013";
  if (seconds >= 3600.0) {
    const double hours = std::floor(seconds / 3600.0);
    const double minutes = std::round((seconds - hours * 3600.0) / 60.0);
    return num(hours, 6) + " h" + (minutes > 0 ? " " + num(minutes, 2) + " min" : "");
  }
  if (seconds >= 120.0) return num(seconds / 60.0, 3) + " min";
  return num(seconds, 4) + " s";
}

// "2:03:04.5" for times within a long stream, with seconds in the tooltip.
std::string clock_text(double seconds) {
  if (!std::isfinite(seconds)) return "\u2013";
  const bool negative = seconds < 0;
  double s = std::fabs(seconds);
  const auto hours = static_cast<long long>(s / 3600.0);
  s -= static_cast<double>(hours) * 3600.0;
  const auto minutes = static_cast<long long>(s / 60.0);
  s -= static_cast<double>(minutes) * 60.0;
  std::string sec = format_number(std::round(s * 10.0) / 10.0, 3);
  if (std::round(s * 10.0) / 10.0 < 10.0) sec = "0" + sec;
  const std::string mm = (minutes < 10 ? "0" : "") + std::to_string(minutes);
  return std::string(negative ? "-" : "") + std::to_string(hours) + ":" + mm + ":" + sec;
}

std::string badge(const std::string& text, const std::string& kind) {
  return "<span class=\"badge " + kind + "\">" + esc(text) + "</span>";
}

std::string pass_badge(bool passed) {
  return passed ? badge("pass", "ok") : badge("fail", "bad");
}

struct SectionInfo {
  const char* id;
  const char* title;
};
constexpr SectionInfo kSections[] = {
    {"summary", "Summary"},
    {"training", "Training"},
    {"scores", "Score distribution"},
    {"roc-pr", "ROC and precision-recall curves"},
    {"confusion", "Confusion matrix and metrics"},
    {"slices", "Results by slice"},
    {"examples", "Example beats"},
    {"drift", "Drift timeline"},
    {"shadow", "Shadow comparison"},
    {"config", "Run configuration"},
};

const char* title_of(const std::string& id) {
  for (const auto& s : kSections) {
    if (id == s.id) return s.title;
  }
  return "";
}

void open_section(std::string& html, const std::string& id) {
  html += "<section id=\"" + id + "\" class=\"card\"><h2>" + esc(title_of(id)) +
          "<a class=\"anchor\" href=\"#" + id + "\" aria-label=\"link to this section\">#</a></h2>";
}

void close_section(std::string& html) { html += "</section>"; }

void missing_section(std::string& html, const std::string& id, const std::string& key) {
  open_section(html, id);
  html += "<p class=\"missing\">This section is not part of this run: the report document has no <code>" +
          esc(key) + "</code>.</p>";
  close_section(html);
}

void caption(std::string& html, const std::string& text_html) {
  html += "<p class=\"caption\">" + text_html + "</p>";
}

// A grid of label/value tiles.
void fact_grid(std::string& html, const std::vector<std::pair<std::string, std::string>>& facts) {
  if (facts.empty()) return;
  html += "<dl class=\"facts\">";
  for (const auto& [label, value] : facts) {
    html += "<div><dt>" + esc(label) + "</dt><dd>" + esc(value) + "</dd></div>";
  }
  html += "</dl>";
}

// Table cells: numbers right-aligned.
std::string td(const json& v, const std::string& path) {
  if (v.is_number()) return "<td class=\"num\">" + esc(scalar_text(v, path)) + "</td>";
  if (v.is_boolean()) return "<td>" + pass_badge(v.get<bool>()) + "</td>";
  return "<td>" + esc(scalar_text(v, path)) + "</td>";
}
std::string td_num(double v, int significant = 4) {
  return "<td class=\"num\">" + esc(num(v, significant)) + "</td>";
}
std::string td_text(const std::string& s) { return "<td>" + esc(s) + "</td>"; }

std::string figure(const std::string& svg, const std::string& extra_class = "") {
  return "<figure class=\"plot" + (extra_class.empty() ? "" : " " + extra_class) + "\">" + svg +
         "</figure>";
}

// ----------------------------------------------------------------------------------- header + summary

struct Status {
  std::vector<std::string> chips;  // HTML
};

void render_summary(std::string& html, const json& doc, const Status& status) {
  const json* facts = array_at(doc, "", "facts");
  if (facts == nullptr && status.chips.empty()) {
    missing_section(html, "summary", "facts");
    return;
  }
  open_section(html, "summary");
  if (!status.chips.empty()) {
    html += "<div class=\"chips\">";
    for (const auto& chip : status.chips) html += chip;
    html += "</div>";
  }
  if (facts != nullptr) {
    std::vector<std::pair<std::string, std::string>> items;
    for (std::size_t i = 0; i < facts->size(); ++i) {
      const json& f = (*facts)[i];
      const std::string path = "facts[" + std::to_string(i) + "]";
      if (!f.is_array() || f.size() != 2) wrong(path, "a [label, value] pair", f);
      items.emplace_back(scalar_text(f[0], path + "[0]"), scalar_text(f[1], path + "[1]"));
    }
    fact_grid(html, items);
  }
  close_section(html);
}

// ----------------------------------------------------------------------------------- training

void render_training(std::string& html, const json* training) {
  if (training == nullptr) {
    missing_section(html, "training", "training");
    return;
  }
  const std::string P = "training";
  const json& t = *training;
  open_section(html, "training");
  std::vector<std::pair<std::string, std::string>> facts;
  for (const char* key : {"run_uid", "architecture", "n_train_beats", "n_validation_beats",
                          "best_epoch"}) {
    if (auto v = text_at(t, P, key)) facts.emplace_back(key, *v);
  }
  fact_grid(html, facts);

  const auto best_epoch = number_at(t, P, "best_epoch");
  if (const json* history = object_at(t, P, "history")) {
    const std::string H = P + ".history";
    auto train_loss = numbers_at(*history, H, "train_loss");
    auto val_loss = numbers_at(*history, H, "val_loss");
    auto lr = numbers_at(*history, H, "lr");
    auto epoch = numbers_at(*history, H, "epoch");
    std::size_t n = 0;
    for (const auto* v : {&train_loss, &val_loss, &lr}) {
      if (*v) n = std::max(n, (*v)->size());
    }
    if (!epoch) {
      epoch = std::vector<double>(n);
      for (std::size_t i = 0; i < n; ++i) (*epoch)[i] = static_cast<double>(i + 1);
    }
    if (train_loss) require_same_length(*epoch, H + ".epoch", *train_loss, H + ".train_loss");
    if (val_loss) require_same_length(*epoch, H + ".epoch", *val_loss, H + ".val_loss");
    if (lr) require_same_length(*epoch, H + ".epoch", *lr, H + ".lr");

    bool positive = true;
    for (const auto* v : {&train_loss, &val_loss}) {
      if (!*v) continue;
      for (double x : **v) positive = positive && (!std::isfinite(x) || x > 0.0);
    }
    LinePlot loss(Frame{640, 340, "Loss per epoch", "epoch", positive ? "loss (log scale)" : "loss"});
    const bool markers = epoch->size() <= 60;
    if (train_loss) loss.add_series({"training loss", *epoch, *train_loss, kPalette[0], false, markers});
    if (val_loss) loss.add_series({"validation loss", *epoch, *val_loss, kPalette[1], false, markers});
    loss.log_y(positive);
    if (best_epoch) loss.add_vline({*best_epoch, "best epoch " + num(*best_epoch), kPalette[2], true});
    html += "<div class=\"grid-2-1\">";
    html += figure(loss.svg());
    if (lr) {
      bool lr_positive = true;
      for (double x : *lr) lr_positive = lr_positive && (!std::isfinite(x) || x > 0.0);
      LinePlot rate(Frame{400, 340, "Learning rate", "epoch", "learning rate"});
      rate.add_series({"learning rate", *epoch, *lr, kPalette[4], false, markers});
      rate.log_y(lr_positive);
      html += figure(rate.svg());
    }
    html += "</div>";
    caption(html,
            "Loss per epoch on the training and the validation beats" +
                std::string(positive ? " (log scale)" : "") +
                ". The model kept is the one of the best epoch (green line), where the validation "
                "loss was lowest. A validation curve that rises while the training loss keeps "
                "falling is over-fitting; curves that are still falling at the end mean more "
                "epochs would help.");
  } else {
    html += "<p class=\"missing\">No loss history in this run (<code>training.history</code>).</p>";
  }

  if (const json* data = array_at(t, P, "data")) {
    std::map<std::string, std::size_t> by_role;
    std::map<std::string, double> beats_by_role;
    std::string rows;
    for (std::size_t i = 0; i < data->size(); ++i) {
      const json& d = (*data)[i];
      const std::string path = P + ".data[" + std::to_string(i) + "]";
      if (!d.is_object()) wrong(path, "an object", d);
      const std::string role = text_or(d, path, "role", "");
      const double beats = number_at(d, path, "n_beats").value_or(kNaN);
      ++by_role[role];
      if (std::isfinite(beats)) beats_by_role[role] += beats;
      const std::string kind = role == "rejected" ? "bad" : role == "train" ? "info" : "neutral";
      rows += "<tr>" + td_text(text_or(d, path, "record", "")) + "<td>" + badge(role, kind) +
              "</td><td class=\"num\">" + esc(count_text(beats)) + "</td>" +
              td_text(text_or(d, path, "reason", "")) + "</tr>";
    }
    html += "<h3>Data</h3>";
    std::string summary;
    for (const auto& [role, count] : by_role) {
      if (!summary.empty()) summary += ", ";
      summary += esc(role.empty() ? "(no role)" : role) + ": " + std::to_string(count) +
                 (count == 1 ? " record" : " records") + " (" +
                 esc(count_text(beats_by_role[role])) + " beats)";
    }
    caption(html, "Which records went where. Records used for training never appear in the "
                  "calibration or evaluation sets; rejected records failed the quality checks "
                  "(the reason says which). " + summary + ".");
    const bool collapse = data->size() > 25;
    if (collapse) {
      html += "<details><summary>Show all " + std::to_string(data->size()) + " records</summary>";
    }
    html += "<div class=\"table-scroll\"><table><thead><tr><th>record</th><th>role</th><th class=\"num\">beats</th><th>reason</th></tr></thead><tbody>" +
            rows + "</tbody></table></div>";
    if (collapse) html += "</details>";
  }

  if (const json* gate = object_at(t, P, "gate")) {
    const std::string G = P + ".gate";
    html += "<h3>Promotion gate</h3>";
    const auto blessed = bool_at(*gate, G, "blessed");
    html += "<p class=\"verdict\">";
    if (blessed) {
      html += *blessed ? badge("blessed", "ok") : badge("not blessed", "bad");
    }
    if (auto reason = text_at(*gate, G, "reason")) html += " " + esc(*reason);
    html += "</p>";
    if (const json* checks = array_at(*gate, G, "checks")) {
      html += "<table><thead><tr><th>check</th><th class=\"num\">value</th><th class=\"num\">required</th><th>result</th></tr></thead><tbody>";
      for (std::size_t i = 0; i < checks->size(); ++i) {
        const json& ch = (*checks)[i];
        const std::string path = G + ".checks[" + std::to_string(i) + "]";
        if (!ch.is_object()) wrong(path, "an object", ch);
        std::string required = "\u2013";
        if (auto floor = number_at(ch, path, "floor")) required = "\u2265 " + num(*floor);
        if (auto ceiling = number_at(ch, path, "ceiling")) required = "\u2264 " + num(*ceiling);
        if (auto base = number_at(ch, path, "baseline")) required = "\u2265 " + num(*base) + " (baseline)";
        const auto passed = bool_at(ch, path, "passed");
        html += "<tr>" + td_text(text_or(ch, path, "name", "")) +
                td_num(number_at(ch, path, "value").value_or(kNaN)) + "<td class=\"num\">" +
                esc(required) + "</td><td>" +
                (passed ? pass_badge(*passed) : std::string("\u2013")) + "</td></tr>";
      }
      html += "</tbody></table>";
      caption(html, "A candidate model is blessed only when every check passes: absolute floors "
                    "on the evaluation metrics and no regression against the production model.");
    }
  }
  close_section(html);
}

// ----------------------------------------------------------------------------------- evaluation

void render_scores(std::string& html, const json* evaluation) {
  const json* scores = evaluation ? object_at(*evaluation, "evaluation", "scores") : nullptr;
  if (scores == nullptr) {
    missing_section(html, "scores", "evaluation.scores");
    return;
  }
  const std::string P = "evaluation.scores";
  const auto normal = numbers_at(*scores, P, "normal").value_or(std::vector<double>{});
  const auto abnormal = numbers_at(*scores, P, "abnormal").value_or(std::vector<double>{});
  const auto threshold = number_at(*evaluation, "evaluation", "threshold");
  const auto method = text_at(*evaluation, "evaluation", "threshold_method");
  open_section(html, "scores");
  HistogramSpec spec;
  spec.frame = Frame{560, 340, "Anomaly scores by true class", "anomaly score", ""};
  spec.first = normal;
  spec.second = abnormal;
  spec.has_threshold = threshold.has_value();
  spec.threshold = threshold.value_or(0.0);
  spec.threshold_label = "threshold";
  HistogramSpec log_spec = spec;
  log_spec.frame.title = "Same, log-scaled counts";
  log_spec.log_counts = true;
  html += "<div class=\"grid-2\">" + figure(histogram(spec)) + figure(histogram(log_spec)) + "</div>";
  auto above = [&](const std::vector<double>& v) {
    std::size_t finite = 0, over = 0;
    for (double x : v) {
      if (!std::isfinite(x)) continue;
      ++finite;
      if (threshold && x > *threshold) ++over;
    }
    return finite ? 100.0 * static_cast<double>(over) / static_cast<double>(finite) : kNaN;
  };
  std::string text =
      "Each beat's anomaly score (its reconstruction error), split by its true class. Beats "
      "right of the dashed threshold are flagged as anomalous: a good model puts the blue "
      "(normal) mass left of it and the red (abnormal) mass right of it, with little overlap. "
      "The right-hand plot shows the same counts on a log scale, so small tails stay visible.";
  if (threshold) {
    text += " Threshold " + esc(num(*threshold)) +
            (method ? " (" + esc(*method) + ")" : std::string()) + ": " +
            esc(num(above(normal), 3)) + "% of normal beats and " + esc(num(above(abnormal), 3)) +
            "% of abnormal beats are above it.";
  }
  caption(html, text);
  close_section(html);
}

void render_roc_pr(std::string& html, const json* evaluation) {
  const json* roc = evaluation ? object_at(*evaluation, "evaluation", "roc") : nullptr;
  const json* pr = evaluation ? object_at(*evaluation, "evaluation", "pr") : nullptr;
  if (roc == nullptr && pr == nullptr) {
    missing_section(html, "roc-pr", "evaluation.roc / evaluation.pr");
    return;
  }
  open_section(html, "roc-pr");
  html += "<div class=\"grid-2\">";
  std::string text;
  if (roc != nullptr) {
    const std::string P = "evaluation.roc";
    const auto fpr = numbers_at(*roc, P, "fpr");
    const auto tpr = numbers_at(*roc, P, "tpr");
    if (!fpr) throw InvalidArgument("report document: '" + P + ".fpr' is missing (an array of false positive rates)");
    if (!tpr) throw InvalidArgument("report document: '" + P + ".tpr' is missing (an array of true positive rates)");
    require_same_length(*fpr, P + ".fpr", *tpr, P + ".tpr");
    const auto auc = number_at(*roc, P, "auc");
    LinePlot plot(Frame{480, 420, "ROC curve", "false positive rate", "true positive rate (sensitivity)"});
    plot.x_range(0, 1).y_range(0, 1);
    plot.add_series({"chance (AUC 0.5)", {0.0, 1.0}, {0.0, 1.0}, "#999999", true, false});
    plot.add_series({auc ? "model (AUC " + num(*auc, 3) + ")" : "model", *fpr, *tpr, kPalette[0], false, false});
    html += figure(plot.svg());
    text += "The ROC curve shows, for every possible threshold, the share of abnormal beats caught "
            "(up) against the share of normal beats falsely flagged (right); the dashed diagonal "
            "is a random guess and a perfect model hugs the top-left corner.";
  } else {
    html += "<p class=\"missing\">ROC curve: not part of this run (<code>evaluation.roc</code>).</p>";
  }
  if (pr != nullptr) {
    const std::string P = "evaluation.pr";
    const auto recall = numbers_at(*pr, P, "recall");
    const auto precision = numbers_at(*pr, P, "precision");
    if (!recall) throw InvalidArgument("report document: '" + P + ".recall' is missing (an array of recalls)");
    if (!precision) throw InvalidArgument("report document: '" + P + ".precision' is missing (an array of precisions)");
    require_same_length(*recall, P + ".recall", *precision, P + ".precision");
    const auto ap = number_at(*pr, P, "ap");
    const auto prevalence = number_at(*pr, P, "prevalence");
    LinePlot plot(Frame{480, 420, "Precision-recall curve", "recall (sensitivity)", "precision"});
    plot.x_range(0, 1).y_range(0, 1);
    plot.add_series({ap ? "model (AP " + num(*ap, 3) + ")" : "model", *recall, *precision, kPalette[3], false, false});
    if (prevalence) plot.add_hline({*prevalence, "chance = prevalence " + num(*prevalence, 3), "#777777", true});
    html += figure(plot.svg());
    text += std::string(text.empty() ? "" : " ") +
            "The precision-recall curve shows how many flagged beats are truly abnormal (up) as "
            "more abnormal beats are caught (right); with rare anomalies it is more telling than "
            "ROC. A random guess sits at the prevalence (dashed line).";
  } else {
    html += "<p class=\"missing\">Precision-recall curve: not part of this run (<code>evaluation.pr</code>).</p>";
  }
  html += "</div>";
  caption(html, text);
  close_section(html);
}

void render_confusion(std::string& html, const json* evaluation) {
  const json* confusion = evaluation ? object_at(*evaluation, "evaluation", "confusion") : nullptr;
  const json* metrics = evaluation ? object_at(*evaluation, "evaluation", "metrics") : nullptr;
  if (confusion == nullptr && metrics == nullptr) {
    missing_section(html, "confusion", "evaluation.confusion / evaluation.metrics");
    return;
  }
  open_section(html, "confusion");
  html += "<div class=\"grid-2\">";
  if (confusion != nullptr) {
    const std::string P = "evaluation.confusion";
    auto get = [&](const char* key) {
      const auto v = number_at(*confusion, P, key);
      if (!v || !(*v >= 0.0)) {
        throw InvalidArgument("report document: '" + P + "." + key +
                              "' must be a count >= 0" +
                              (v ? ", got " + num(*v) : std::string(", but it is missing")));
      }
      return *v;
    };
    const double tp = get("tp"), fp = get("fp"), tn = get("tn"), fn = get("fn");
    std::string negative = "normal", positive = "anomalous";
    if (const json* labels = array_at(*confusion, P, "labels")) {
      if (labels->size() != 2) wrong(P + ".labels", "two labels [negative, positive]", *labels);
      negative = scalar_text((*labels)[0], P + ".labels[0]");
      positive = scalar_text((*labels)[1], P + ".labels[1]");
    }
    const double actual_neg = tn + fp, actual_pos = fn + tp;
    auto rate = [](double a, double b) { return b > 0 ? a / b : kNaN; };
    auto cell = [&](double count, double total, const std::string& what) {
      return "<strong>" + esc(count_text(count)) + "</strong><span class=\"rate\">" +
             esc(num(100.0 * rate(count, total), 3)) + "% of " + esc(what) + "</span>";
    };
    HeatmapTable table;
    table.corner = "actual \u2193 / predicted \u2192";
    table.row_labels = {negative, positive};
    table.column_labels = {negative, positive};
    table.text = {{cell(tn, actual_neg, negative), cell(fp, actual_neg, negative)},
                  {cell(fn, actual_pos, positive), cell(tp, actual_pos, positive)}};
    table.intensity = {{rate(tn, actual_neg), rate(fp, actual_neg)},
                       {rate(fn, actual_pos), rate(tp, actual_pos)}};
    table.tooltip = {{"true negatives: " + count_text(tn), "false positives (false alarms): " + count_text(fp)},
                     {"false negatives (missed): " + count_text(fn), "true positives: " + count_text(tp)}};
    html += "<div><h3>Confusion matrix</h3>" + heatmap_table(table) +
            "<p class=\"caption\">Rows are the true class, columns the decision at the threshold. "
            "Each cell shows the count and its share of the row, and is shaded by that share: a "
            "good model has dark cells on the diagonal (top-left, bottom-right).</p></div>";
  } else {
    html += "<p class=\"missing\">Confusion matrix: not part of this run (<code>evaluation.confusion</code>).</p>";
  }
  if (metrics != nullptr) {
    html += "<div><h3>Metrics at the threshold</h3><table class=\"kv\"><tbody>";
    for (const auto& [key, value] : metrics->items()) {
      html += "<tr><th>" + esc(key) + "</th>" + td(value, "evaluation.metrics." + key) + "</tr>";
    }
    html += "</tbody></table><p class=\"caption\">Sensitivity (recall) is the share of abnormal "
            "beats flagged; specificity the share of normal beats left alone; precision the share "
            "of flagged beats that are truly abnormal.</p></div>";
  }
  html += "</div>";
  close_section(html);
}

void render_slices(std::string& html, const json* evaluation) {
  const json* slices = evaluation ? array_at(*evaluation, "evaluation", "slices") : nullptr;
  if (slices == nullptr) {
    missing_section(html, "slices", "evaluation.slices");
    return;
  }
  const std::string P = "evaluation.slices";
  // JSON objects carry no key order here (nlohmann::json sorts them): the slice's name and sizes
  // first, then the metrics alphabetically.
  std::vector<std::string> columns;
  std::set<std::string> seen;
  for (const char* first : {"slice", "name", "label", "n", "n_positive", "n_negative"}) {
    for (const json& s : *slices) {
      if (s.is_object() && s.contains(first) && seen.insert(first).second) columns.push_back(first);
    }
  }
  for (std::size_t i = 0; i < slices->size(); ++i) {
    const json& s = (*slices)[i];
    if (!s.is_object()) wrong(P + "[" + std::to_string(i) + "]", "an object", s);
    for (const auto& item : s.items()) {
      if (seen.insert(item.key()).second) columns.push_back(item.key());
    }
  }
  open_section(html, "slices");
  caption(html, "The same metrics computed on subsets of beats (by beat type, record, noise "
                "level...). A slice far below the others is where the model fails; a dash means "
                "the metric is undefined there (e.g. ROC-AUC of a slice holding one class only).");
  html += "<div class=\"table-scroll\"><table><thead><tr>";
  for (const auto& col : columns) html += "<th>" + esc(col) + "</th>";
  html += "</tr></thead><tbody>";
  for (std::size_t i = 0; i < slices->size(); ++i) {
    const json& s = (*slices)[i];
    html += "<tr>";
    for (const auto& col : columns) {
      const auto it = s.find(col);
      if (it == s.end() || it->is_null()) {
        html += "<td class=\"num dim\">\u2013</td>";
      } else {
        html += td(*it, P + "[" + std::to_string(i) + "]." + col);
      }
    }
    html += "</tr>";
  }
  html += "</tbody></table></div>";
  close_section(html);
}

void render_examples(std::string& html, const json* evaluation) {
  const json* examples = evaluation ? array_at(*evaluation, "evaluation", "examples") : nullptr;
  if (examples == nullptr) {
    missing_section(html, "examples", "evaluation.examples");
    return;
  }
  open_section(html, "examples");
  caption(html, "Individual beats (blue) with the model's reconstruction (orange, dashed). The "
                "model learned normal beats, so it reconstructs them closely; where a beat "
                "deviates, the reconstruction cannot follow and the gap is shaded red (per-sample "
                "error above the level shown dashed in the error strip underneath). The score is "
                "the beat's mean error; above the threshold the beat is flagged.");
  html += "<div class=\"examples\">";
  for (std::size_t i = 0; i < examples->size(); ++i) {
    const json& e = (*examples)[i];
    const std::string path = "evaluation.examples[" + std::to_string(i) + "]";
    if (!e.is_object()) wrong(path, "an object", e);
    const auto beat = numbers_at(e, path, "beat");
    const auto recon = numbers_at(e, path, "reconstruction");
    if (!beat) throw InvalidArgument("report document: '" + path + ".beat' is missing (the beat's samples)");
    if (!recon) throw InvalidArgument("report document: '" + path + ".reconstruction' is missing (the reconstructed samples)");
    require_same_length(*beat, path + ".beat", *recon, path + ".reconstruction");
    BeatPlotSpec spec;
    spec.beat = *beat;
    spec.reconstruction = *recon;
    if (auto err = numbers_at(e, path, "error")) {
      require_same_length(*beat, path + ".beat", *err, path + ".error");
      spec.error = *err;
    }
    const double fs = number_at(e, path, "fs_hz").value_or(360.0);
    if (!(fs > 0.0) || !std::isfinite(fs)) {
      throw InvalidArgument("report document: '" + path + ".fs_hz' must be a sampling rate > 0 Hz, got " + num(fs));
    }
    spec.fs_hz = fs;
    const auto score = number_at(e, path, "score");
    const auto threshold = number_at(e, path, "threshold");
    // Shading level: per-sample error above the beat-level threshold (the score is the mean of
    // the per-sample errors, so a sample above it is one that alone would flag the beat).
    spec.error_level = number_at(e, path, "error_level").value_or(threshold.value_or(kNaN));
    const std::string title = text_or(e, path, "title", "example " + std::to_string(i + 1));
    spec.frame = Frame{380, 270, "", "", ""};
    const std::string decision = text_or(e, path, "decision", "");
    const std::string kind = decision == "anomalous" ? "bad" : decision == "normal" ? "ok" : "warn";
    html += "<figure class=\"example\"><figcaption><span class=\"ex-title\">" + esc(title) + "</span>";
    if (auto label = text_at(e, path, "label")) html += " " + badge(*label, "neutral");
    html += "</figcaption>" + beat_plot(spec) + "<p class=\"ex-score\">";
    if (score) html += "score <strong>" + esc(num(*score, 3)) + "</strong>";
    if (threshold) html += " vs threshold " + esc(num(*threshold, 3));
    if (score && threshold && *threshold > 0) html += " (" + esc(num(*score / *threshold, 3)) + "\u00d7)";
    if (!decision.empty()) html += " \u2192 " + badge(decision, kind);
    html += "</p></figure>";
  }
  html += "</div>";
  close_section(html);
}

// ----------------------------------------------------------------------------------- stream

void render_stream(std::string& html, const json* stream) {
  if (stream == nullptr) {
    missing_section(html, "drift", "stream");
    return;
  }
  const std::string P = "stream";
  const json& s = *stream;
  open_section(html, "drift");
  std::vector<std::pair<std::string, std::string>> facts;
  if (auto name = text_at(s, P, "name")) facts.emplace_back("scenario", *name);
  if (auto d = number_at(s, P, "duration_s")) facts.emplace_back("duration", duration_text(*d));
  const auto threshold = number_at(s, P, "threshold");
  if (threshold) facts.emplace_back("threshold", num(*threshold));
  if (const json* summary = object_at(s, P, "summary")) {
    for (const auto& [key, value] : summary->items()) {
      facts.emplace_back(key, scalar_text(value, P + ".summary." + key));
    }
  }
  fact_grid(html, facts);

  if (const json* rec = object_at(s, P, "recommendation")) {
    const auto retrain = bool_at(*rec, P + ".recommendation", "retrain");
    const bool yes = retrain.value_or(false);
    html += std::string("<div class=\"callout ") + (yes ? "warn" : "ok") + "\"><strong>" +
            (yes ? "Retraining recommended." : "No retraining needed.") + "</strong> " +
            esc(text_or(*rec, P + ".recommendation", "reason", "")) + "</div>";
  }

  TimelineSpec spec;
  spec.frame = Frame{1100, 380, "Anomaly score over time", "", ""};
  auto time_s = numbers_at(s, P, "time_s").value_or(std::vector<double>{});
  auto score = numbers_at(s, P, "score").value_or(std::vector<double>{});
  require_same_length(time_s, P + ".time_s", score, P + ".score");
  if (const json* decision = array_at(s, P, "decision")) {
    if (decision->size() != time_s.size()) {
      throw InvalidArgument("report document: '" + P + ".decision' must have as many elements as '" +
                            P + ".time_s' (" + std::to_string(time_s.size()) + "), got " +
                            std::to_string(decision->size()));
    }
    spec.decision.reserve(decision->size());
    for (std::size_t i = 0; i < decision->size(); ++i) {
      const json& d = (*decision)[i];
      if (!d.is_number_integer() || d.get<long long>() < 0 || d.get<long long>() > 2) {
        wrong(P + ".decision[" + std::to_string(i) + "]",
              "0 (normal), 1 (uncertain) or 2 (anomalous)", d);
      }
      spec.decision.push_back(d.get<int>());
    }
  }
  // Log scale when the scores span orders of magnitude (reconstruction errors usually do).
  {
    std::vector<double> finite;
    bool positive = true;
    for (double v : score) {
      if (!std::isfinite(v)) continue;
      positive = positive && v > 0.0;
      finite.push_back(v);
    }
    if (positive && finite.size() > 10) {
      std::sort(finite.begin(), finite.end());
      const double median = finite[finite.size() / 2];
      const double top = finite[finite.size() - 1 - finite.size() / 100];
      spec.log_y = top > 30.0 * median;
    }
  }
  spec.time_s = std::move(time_s);
  spec.score = std::move(score);
  spec.has_threshold = threshold.has_value();
  spec.threshold = threshold.value_or(0.0);

  std::string alert_rows;
  std::size_t n_alerts = 0;
  if (const json* alerts = array_at(s, P, "alerts")) {
    n_alerts = alerts->size();
    for (std::size_t i = 0; i < alerts->size(); ++i) {
      const json& a = (*alerts)[i];
      const std::string path = P + ".alerts[" + std::to_string(i) + "]";
      if (!a.is_object()) wrong(path, "an object", a);
      const double detected = number_at(a, path, "detected_s").value_or(kNaN);
      const double since = number_at(a, path, "since_s").value_or(detected);
      const std::string kind = text_or(a, path, "kind", "alert");
      const double strength = number_at(a, path, "strength").value_or(kNaN);
      const std::string shape = text_or(a, path, "shape", "");
      const std::string cause = text_or(a, path, "cause", "");
      const std::string action = text_or(a, path, "action", "");
      std::string tooltip = kind + " drift detected at " + clock_text(detected) + " (" +
                            num(detected, 8) + " s), since " + clock_text(since);
      if (std::isfinite(strength)) tooltip += "; strength " + num(strength, 3);
      if (!shape.empty()) tooltip += "; shape " + shape;
      if (!cause.empty()) tooltip += "; likely cause: " + cause;
      if (!action.empty()) tooltip += "; action: " + action;
      spec.alerts.push_back({since, detected, kind, tooltip});
      alert_rows += "<tr><td class=\"num\">" + std::to_string(i + 1) + "</td>" + td_text(kind) +
                    "<td class=\"num\" title=\"" + esc(num(since, 8)) + " s\">" + esc(clock_text(since)) +
                    "</td><td class=\"num\" title=\"" + esc(num(detected, 8)) + " s\">" +
                    esc(clock_text(detected)) + "</td>" + td_num(detected - since, 3) +
                    td_num(strength, 3) + td_text(shape) + td_text(cause) + td_text(action) + "</tr>";
    }
  }
  std::string change_rows;
  if (const json* changes = array_at(s, P, "changes")) {
    for (std::size_t i = 0; i < changes->size(); ++i) {
      const json& ch = (*changes)[i];
      const std::string path = P + ".changes[" + std::to_string(i) + "]";
      if (!ch.is_object()) wrong(path, "an object", ch);
      const double t = number_at(ch, path, "time_s").value_or(kNaN);
      const std::string label = text_or(ch, path, "label", "change");
      spec.changes.push_back({t, label});
      change_rows += "<tr><td class=\"num\" title=\"" + esc(num(t, 8)) + " s\">" + esc(clock_text(t)) + "</td>" + td_text(label) + "</tr>";
    }
  }
  html += figure(timeline(spec), "wide");
  caption(html, std::string("Each beat's anomaly score over the stream") +
                    (spec.log_y ? " (log scale)" : "") +
                    ", with the decision threshold dashed. Orange dots are uncertain beats, red "
                    "dots anomalous ones. Purple lines mark drift alerts at the moment they were "
                    "raised, the shaded band before each reaching back to when the change "
                    "started (hover for kind, cause and suggested action); black dashed lines "
                    "mark known, injected changes. An alert shortly after each injected change "
                    "and none elsewhere is what a good monitor does.");
  html += "<h3>Alerts</h3>";
  if (n_alerts == 0) {
    html += "<p class=\"dim\">No drift alert in this stream.</p>";
  } else {
    html += "<div class=\"table-scroll\"><table><thead><tr><th class=\"num\">#</th><th>kind</th>"
            "<th class=\"num\">since</th><th class=\"num\">detected</th><th class=\"num\">delay (s)</th>"
            "<th class=\"num\">strength</th><th>shape</th><th>likely cause</th><th>action</th>"
            "</tr></thead><tbody>" + alert_rows + "</tbody></table></div>";
  }
  if (!change_rows.empty()) {
    html += "<h3>Injected changes</h3><table><thead><tr><th class=\"num\">time</th><th>change</th></tr></thead><tbody>" +
            change_rows + "</tbody></table>";
  }
  close_section(html);
}

// ----------------------------------------------------------------------------------- shadow

void render_shadow(std::string& html, const json* shadow) {
  if (shadow == nullptr) {
    missing_section(html, "shadow", "shadow");
    return;
  }
  const std::string P = "shadow";
  const json& s = *shadow;
  open_section(html, "shadow");
  const json* production = object_at(s, P, "production");
  const json* candidate = object_at(s, P, "candidate");
  const auto promoted = bool_at(s, P, "promoted");
  html += "<p class=\"verdict\">";
  if (promoted) html += *promoted ? badge("candidate promoted", "ok") : badge("candidate not promoted", "bad");
  if (auto reason = text_at(s, P, "reason")) html += " " + esc(*reason);
  html += "</p>";
  std::vector<std::pair<std::string, std::string>> facts;
  const std::string prod_name = production ? text_or(*production, P + ".production", "model", "production") : "production";
  const std::string cand_name = candidate ? text_or(*candidate, P + ".candidate", "model", "candidate") : "candidate";
  facts.emplace_back("production", prod_name);
  facts.emplace_back("candidate", cand_name);
  if (auto n = number_at(s, P, "n_beats")) facts.emplace_back("beats compared", count_text(*n));
  if (auto n = number_at(s, P, "n_disagreements")) facts.emplace_back("disagreements", count_text(*n));
  const auto agreement = number_at(s, P, "agreement_rate");
  if (agreement) facts.emplace_back("agreement", num(100.0 * *agreement, 4) + "%");
  fact_grid(html, facts);
  if (agreement && std::isfinite(*agreement)) {
    const double pct = std::clamp(*agreement, 0.0, 1.0) * 100.0;
    html += "<div class=\"meter\" title=\"agreement " + esc(num(pct, 4)) + "%\"><div style=\"width:" +
            format_coordinate(pct) + "%\"></div></div>";
  }

  const json* prod_metrics = production ? object_at(*production, P + ".production", "metrics") : nullptr;
  const json* cand_metrics = candidate ? object_at(*candidate, P + ".candidate", "metrics") : nullptr;
  if (prod_metrics || cand_metrics) {
    std::vector<std::string> keys;
    std::set<std::string> seen;
    for (const json* m : {prod_metrics, cand_metrics}) {
      if (!m) continue;
      for (const auto& item : m->items()) {
        if (seen.insert(item.key()).second) keys.push_back(item.key());
      }
    }
    html += "<h3>Metrics side by side</h3><table><thead><tr><th>metric</th><th class=\"num\">" +
            esc(prod_name) + "</th><th class=\"num\">" + esc(cand_name) +
            "</th><th class=\"num\">\u0394 (candidate \u2212 production)</th></tr></thead><tbody>";
    for (const auto& key : keys) {
      auto value = [&](const json* m, const std::string& path) {
        if (!m) return kNaN;
        const auto v = number_at(*m, path, key);
        return v.value_or(kNaN);
      };
      const double a = value(prod_metrics, P + ".production.metrics");
      const double b = value(cand_metrics, P + ".candidate.metrics");
      const double delta = b - a;
      std::string delta_text = std::isfinite(delta) ? (delta > 0 ? "+" : "") + num(delta, 3) : "\u2013";
      html += "<tr>" + td_text(key) + td_num(a) + td_num(b) + "<td class=\"num delta\">" +
              esc(delta_text) + "</td></tr>";
    }
    html += "</tbody></table>";
    caption(html, "Both models scored the same beats. Whether a positive difference is better "
                  "depends on the metric: higher is better for AUC, sensitivity and precision, "
                  "lower for false-positive and alert rates.");
  }
  if (const json* dis = array_at(s, P, "disagreements")) {
    constexpr std::size_t kShown = 20;
    html += "<h3>Disagreements</h3>";
    if (dis->empty()) {
      html += "<p class=\"dim\">The two models agreed on every beat.</p>";
    } else {
      caption(html, "Beats where the two models decided differently" +
                        std::string(dis->size() > kShown ? " (the first " + std::to_string(kShown) +
                                                               " of " + std::to_string(dis->size()) + ")"
                                                         : "") +
                        ". Review a few of them to judge which model is right.");
      html += "<div class=\"table-scroll\"><table><thead><tr><th class=\"num\">time</th><th>" +
              esc(prod_name) + "</th><th>" + esc(cand_name) + "</th><th class=\"num\">" +
              esc(prod_name) + " score</th><th class=\"num\">" + esc(cand_name) +
              " score</th></tr></thead><tbody>";
      for (std::size_t i = 0; i < dis->size(); ++i) {
        const json& d = (*dis)[i];
        const std::string path = P + ".disagreements[" + std::to_string(i) + "]";
        if (!d.is_object()) wrong(path, "an object", d);
        // Validate every row, show the first ones.
        const double t = number_at(d, path, "time_s").value_or(kNaN);
        const std::string pd = text_or(d, path, "production_decision", "");
        const std::string cd = text_or(d, path, "candidate_decision", "");
        const double ps = number_at(d, path, "production_score").value_or(kNaN);
        const double cs = number_at(d, path, "candidate_score").value_or(kNaN);
        if (i >= kShown) continue;
        auto decision_badge = [](const std::string& v) {
          return badge(v, v == "anomalous" ? "bad" : v == "normal" ? "ok" : "warn");
        };
        html += "<tr><td class=\"num\" title=\"" + esc(num(t, 8)) + " s\">" + esc(clock_text(t)) +
                "</td><td>" + decision_badge(pd) + "</td><td>" + decision_badge(cd) + "</td>" +
                td_num(ps) + td_num(cs) + "</tr>";
      }
      html += "</tbody></table></div>";
    }
  }
  close_section(html);
}

// ----------------------------------------------------------------------------------- config

void render_config(std::string& html, const json& doc) {
  const json* config = find(doc, "config");
  if (config == nullptr) {
    missing_section(html, "config", "config");
    return;
  }
  open_section(html, "config");
  caption(html, "The configuration this run used, as given; together with the data fingerprints "
                "in the model bundle it is enough to reproduce the run.");
  const std::string text = config->dump(2, ' ', false, json::error_handler_t::replace);
  std::size_t lines = 1;
  for (char ch : text) lines += ch == '\n' ? 1 : 0;
  html += "<details><summary>Show the configuration (" + std::to_string(lines) +
          " lines of JSON)</summary><pre class=\"config\">" + esc(text) + "</pre></details>";
  close_section(html);
}

// ----------------------------------------------------------------------------------- page

constexpr const char* kCss = R"css(
:root{--fg:#1d2330;--muted:#5b6472;--line:#e3e6eb;--bg:#f5f6f8;--card:#fff;--accent:#0072B2;
--ok:#007a5a;--bad:#b54700;--warn:#8a6100}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
.wrap{max-width:1180px;margin:0 auto;padding:0 20px}
header.top{background:#17324d;color:#fff;padding:26px 0 22px;margin-bottom:20px}
header.top h1{margin:0;font-size:26px;font-weight:650;letter-spacing:.2px}
header.top .subtitle{margin:4px 0 0;color:#cfe0f1;font-size:16px}
header.top .meta{margin:8px 0 0;color:#9fb7cf;font-size:13px}
nav.toc{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:12px 18px;margin-bottom:18px}
nav.toc h2{font-size:13px;text-transform:uppercase;letter-spacing:.08em;color:var(--muted);margin:0 0 6px}
nav.toc ol{margin:0;padding:0;list-style:none;display:flex;flex-wrap:wrap;gap:6px 8px}
nav.toc li a{display:inline-block;padding:3px 10px;border-radius:999px;background:#eaf2fa;color:#0b4f80;text-decoration:none;font-size:14px}
nav.toc li a:hover{background:#d3e5f5}
nav.toc li.absent a{background:#f0f1f3;color:#8a919c}
nav.toc .tools{margin-top:8px}
nav.toc button{font:inherit;font-size:12px;padding:2px 8px;border:1px solid var(--line);background:#fff;border-radius:6px;cursor:pointer;margin-right:6px}
section.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:18px 22px 16px;margin-bottom:18px;scroll-margin-top:10px}
section.card h2{margin:0 0 10px;font-size:20px;font-weight:620}
section.card h3{margin:18px 0 6px;font-size:16px;font-weight:600}
a.anchor{margin-left:8px;color:#b9c0ca;text-decoration:none;font-weight:400}
a.anchor:hover{color:var(--accent)}
.caption{color:var(--muted);font-size:14px;margin:6px 0 10px;max-width:980px}
.missing{color:#8a919c;font-style:italic;margin:4px 0}
.dim{color:#8a919c}
code{font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#f0f2f5;padding:1px 5px;border-radius:4px}
dl.facts{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:10px;margin:6px 0 12px}
dl.facts div{background:#f7f9fb;border:1px solid var(--line);border-radius:8px;padding:8px 12px}
dl.facts dt{font-size:12px;color:var(--muted);text-transform:uppercase;letter-spacing:.05em}
dl.facts dd{margin:2px 0 0;font-size:16px;font-weight:600;overflow-wrap:anywhere}
.chips{display:flex;flex-wrap:wrap;gap:8px;margin:0 0 12px}
.badge{display:inline-block;padding:1px 9px;border-radius:999px;font-size:12.5px;font-weight:600;line-height:1.6;white-space:nowrap}
.badge.ok{background:#d8f0e6;color:var(--ok)}
.badge.bad{background:#fbe3d3;color:var(--bad)}
.badge.warn{background:#fbf0cc;color:var(--warn)}
.badge.info{background:#dcebf7;color:#0b4f80}
.badge.neutral{background:#eceef1;color:#3e4652}
.chips .badge{font-size:13.5px;padding:3px 12px}
.verdict{margin:4px 0 10px}
.callout{border-radius:8px;padding:10px 14px;margin:8px 0 12px;border:1px solid}
.callout.warn{background:#fff7e0;border-color:#f0d68a}
.callout.ok{background:#e9f7f1;border-color:#b5e0cd}
table{border-collapse:collapse;font-size:14px;margin:6px 0 8px;min-width:40%}
th,td{padding:5px 12px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
thead th{font-size:12.5px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);border-bottom:2px solid #d5d9df;white-space:nowrap}
tbody tr:nth-child(even){background:#fafbfc}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
table.kv th{font-weight:500;color:#3e4652;text-transform:none;letter-spacing:0;font-size:14px}
table.heatmap td{text-align:center;min-width:150px;padding:12px 14px;border:2px solid #fff}
table.heatmap td strong{display:block;font-size:19px}
table.heatmap .rate{font-size:12px;opacity:.9}
table.heatmap tbody th{vertical-align:middle}
.table-scroll{overflow-x:auto}
figure{margin:0}
figure.plot svg,figure.example svg{width:100%;height:auto;display:block}
.grid-2{display:grid;grid-template-columns:repeat(auto-fit,minmax(380px,1fr));gap:16px;align-items:start}
.grid-2-1{display:grid;grid-template-columns:minmax(0,1.6fr) minmax(0,1fr);gap:16px;align-items:start}
.examples{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:14px}
figure.example{border:1px solid var(--line);border-radius:8px;padding:8px 10px;background:#fff}
figure.example figcaption{font-size:14px;font-weight:600;margin-bottom:2px}
.ex-score{margin:2px 0 0;font-size:13.5px;color:#3e4652}
.meter{height:10px;background:#fbe3d3;border-radius:5px;overflow:hidden;max-width:520px;margin:0 0 10px}
.meter div{height:100%;background:#009E73}
details summary{cursor:pointer;color:#0b4f80;margin:4px 0}
pre.config{background:#f7f9fb;border:1px solid var(--line);border-radius:8px;padding:12px;overflow:auto;max-height:600px;font:12.5px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
footer{color:#8a919c;font-size:13px;padding:8px 0 30px}
@media (max-width:760px){.grid-2-1{grid-template-columns:1fr}header.top h1{font-size:21px}}
@media print{body{background:#fff}section.card{break-inside:avoid;border:none}nav.toc{display:none}}
)css";

// Optional: expand/collapse every <details>. Everything shows without it; the buttons stay hidden
// unless it runs. It also marks the page so tests can see that it ran.
constexpr const char* kScript = R"js(
(function () {
  var root = document.documentElement;
  root.setAttribute('data-report-script', 'ok');
  var open = document.getElementById('expand-all');
  var close = document.getElementById('collapse-all');
  if (!open || !close) return;
  function setAll(state) {
    var all = document.querySelectorAll('details');
    for (var i = 0; i < all.length; i++) all[i].open = state;
  }
  open.hidden = false;
  close.hidden = false;
  open.addEventListener('click', function () { setAll(true); });
  close.addEventListener('click', function () { setAll(false); });
})();
)js";

}  // namespace

std::string render_html(const json& doc) {
  if (!doc.is_object()) {
    throw InvalidArgument("report document must be a JSON object, got " + describe(doc));
  }
  const std::string title = text_or(doc, "", "title", "ecgad report");
  const auto subtitle = text_at(doc, "", "subtitle");
  const auto generated_at = text_at(doc, "", "generated_at");
  const json* training = object_at(doc, "", "training");
  const json* evaluation = object_at(doc, "", "evaluation");
  const json* stream = object_at(doc, "", "stream");
  const json* shadow = object_at(doc, "", "shadow");

  // Sections render into a buffer first: validation errors surface before any output, and the
  // table of contents knows which sections are present.
  std::string body;
  std::set<std::string> present;
  auto track = [&](const std::string& id, auto&& render) {
    const std::size_t before = body.size();
    render();
    if (body.find("class=\"missing\">This section is not part of this run", before) ==
        std::string::npos) {
      present.insert(id);
    }
  };

  Status status;
  if (training != nullptr) {
    if (const json* gate = object_at(*training, "training", "gate")) {
      if (auto b = bool_at(*gate, "training.gate", "blessed")) {
        status.chips.push_back(*b ? badge("gate passed: model blessed", "ok")
                                  : badge("gate failed: model not blessed", "bad"));
      }
    }
  }
  if (evaluation != nullptr) {
    if (const json* roc = object_at(*evaluation, "evaluation", "roc")) {
      if (auto auc = number_at(*roc, "evaluation.roc", "auc")) {
        status.chips.push_back(badge("ROC-AUC " + num(*auc, 3), "info"));
      }
    }
  }
  if (stream != nullptr) {
    if (const json* summary = object_at(*stream, "stream", "summary")) {
      if (auto st = text_at(*summary, "stream.summary", "status")) {
        status.chips.push_back(badge("stream status: " + *st, *st == "ok" || *st == "normal" ? "ok" : "warn"));
      }
    }
    if (const json* rec = object_at(*stream, "stream", "recommendation")) {
      if (auto r = bool_at(*rec, "stream.recommendation", "retrain")) {
        status.chips.push_back(*r ? badge("retraining recommended", "warn")
                                  : badge("no retraining needed", "ok"));
      }
    }
  }
  if (shadow != nullptr) {
    if (auto p = bool_at(*shadow, "shadow", "promoted")) {
      status.chips.push_back(*p ? badge("candidate promoted", "ok")
                                : badge("candidate not promoted", "neutral"));
    }
  }

  track("summary", [&] { render_summary(body, doc, status); });
  track("training", [&] { render_training(body, training); });
  track("scores", [&] { render_scores(body, evaluation); });
  track("roc-pr", [&] { render_roc_pr(body, evaluation); });
  track("confusion", [&] { render_confusion(body, evaluation); });
  track("slices", [&] { render_slices(body, evaluation); });
  track("examples", [&] { render_examples(body, evaluation); });
  track("drift", [&] { render_stream(body, stream); });
  track("shadow", [&] { render_shadow(body, shadow); });
  track("config", [&] { render_config(body, doc); });

  std::string html;
  html.reserve(body.size() + 16384);
  html += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
          "<meta name=\"generator\" content=\"ecgad ";
  html += version_string;
  html += "\"><title>" + esc(title) + "</title><style>" + kCss + "</style></head><body>\n";
  html += "<header class=\"top\"><div class=\"wrap\"><h1>" + esc(title) + "</h1>";
  if (subtitle) html += "<p class=\"subtitle\">" + esc(*subtitle) + "</p>";
  html += "<p class=\"meta\">";
  if (generated_at) html += "Generated " + esc(*generated_at) + " \u00b7 ";
  html += "ecgad " + std::string(version_string) + "</p></div></header>\n<main class=\"wrap\">";
  html += "<nav class=\"toc\" aria-label=\"Contents\"><h2>Contents</h2><ol>";
  for (const auto& s : kSections) {
    const bool here = present.count(s.id) > 0;
    html += std::string("<li") + (here ? "" : " class=\"absent\"") + "><a href=\"#" + s.id + "\"" +
            (here ? "" : " title=\"not part of this run\"") + ">" + esc(s.title) + "</a></li>";
  }
  html += "</ol><div class=\"tools\"><button type=\"button\" id=\"expand-all\" hidden>Expand all</button>"
          "<button type=\"button\" id=\"collapse-all\" hidden>Collapse all</button></div></nav>\n";
  html += body;
  html += "</main><footer class=\"wrap\">Generated by ecgad " + std::string(version_string) +
          ". Self-contained page: it loads nothing from the network; every plot is inline SVG "
          "(hover over lines, bins, dots and markers for exact values).</footer>\n<script>";
  html += kScript;
  html += "</script></body></html>\n";
  return html;
}

void write_html(const std::filesystem::path& path, const json& doc) {
  const std::string html = render_html(doc);  // render first: a bad document leaves no file
  io::detail::OutputFile out(path, "report");
  out.write(html);
  out.commit();
}

}  // namespace ecgad::report
