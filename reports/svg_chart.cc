#include "reports/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>

#include "reports/text.h"

namespace plateau::reports {
namespace {

constexpr int kMarginLeft = 78;
constexpr int kMarginRight = 16;
constexpr int kMarginTop = 28;
constexpr int kMarginBottom = 62;  // tick labels, axis title, legend row

std::string px(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f", value);
  return buffer;
}

// 1, 2 or 5 times a power of ten, so ticks read as round numbers.
double nice_step(double range, int target_ticks) {
  if (range <= 0) return 1;
  double raw = range / target_ticks;
  double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double fraction = raw / magnitude;
  double nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
  return nice * magnitude;
}

// Bytes step in binary units (1, 2 or 5 KiB/MiB/GiB...) so ticks read 16 MiB, not 16.8 MB.
double nice_value_step(double range, int target_ticks, const std::string& unit) {
  if (unit != "bytes") return nice_step(range, target_ticks);
  double scale = 1;
  while (range / scale >= 1024 * target_ticks) scale *= 1024;
  return nice_step(range / scale, target_ticks) * scale;
}

std::string tick_label(double value, const std::string& unit) {
  if (unit == "bytes") return format_bytes(value);
  return format_number(value);
}

struct Domain {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
  void include(double v) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  bool empty() const { return lo > hi; }
};

}  // namespace

SvgChart::SvgChart(SvgChartStyle style) : style_(std::move(style)) {}

void SvgChart::add_line(const std::vector<Point>& points, const std::string& colour, double stroke_px,
                        const std::string& label) {
  elements_.push_back({Kind::line, points, colour, stroke_px, label});
}

void SvgChart::add_markers(const std::vector<Point>& points, const std::string& colour, const std::string& label) {
  elements_.push_back({Kind::markers, points, colour, 1, label});
}

void SvgChart::add_trend(const TrendLine& trend, double t0_s, double t1_s, const std::string& colour,
                         const std::string& label) {
  elements_.push_back({Kind::segment,
                       {{t0_s, trend.intercept + trend.slope_per_s * t0_s},
                        {t1_s, trend.intercept + trend.slope_per_s * t1_s}},
                       colour, 2, label});
}

void SvgChart::add_horizontal(double value, const std::string& colour, const std::string& label) {
  elements_.push_back({Kind::horizontal, {{0, value}}, colour, 1.5, label});
}

void SvgChart::add_shaded_range(double t0_s, double t1_s, const std::string& colour, const std::string& label) {
  elements_.push_back({Kind::shade, {{t0_s, 0}, {t1_s, 0}}, colour, 0, label});
}

void SvgChart::add_vertical(double t_s, const std::string& colour, const std::string& label) {
  elements_.push_back({Kind::vertical, {{t_s, 0}}, colour, 1.5, label});
}

std::string SvgChart::render() const {
  Domain x;
  Domain y;
  for (const Element& e : elements_) {
    for (const Point& p : e.points) {
      if (e.kind != Kind::horizontal) x.include(p.t_s);
      if (e.kind != Kind::shade && e.kind != Kind::vertical) y.include(p.value);
    }
  }
  if (x.empty()) x = {0, 3600};
  if (y.empty()) y = {0, 1};
  x.lo = std::min(x.lo, 0.0);
  x.hi = std::max(x.hi, style_.min_end_s);
  if (x.hi <= x.lo) x.hi = x.lo + 3600;
  // Memory series read best against zero; negative values (e.g. a fitted
  // trend) widen the axis rather than being clipped.
  y.lo = std::min(y.lo, 0.0);
  if (y.hi <= y.lo) y.hi = y.lo + 1;
  double y_step = nice_value_step(y.hi - y.lo, 5, style_.value_unit);
  y.lo = std::floor(y.lo / y_step) * y_step;
  y.hi = std::ceil((y.hi + (y.hi - y.lo) * 0.04) / y_step) * y_step;

  const double plot_w = style_.width_px - kMarginLeft - kMarginRight;
  const double plot_h = style_.height_px - kMarginTop - kMarginBottom;
  auto sx = [&](double t) { return kMarginLeft + (t - x.lo) / (x.hi - x.lo) * plot_w; };
  auto sy = [&](double v) { return kMarginTop + (y.hi - v) / (y.hi - y.lo) * plot_h; };
  auto clamp_y = [&](double v) { return std::clamp(sy(v), double(kMarginTop), kMarginTop + plot_h); };

  std::ostringstream out;
  out << "<svg class=\"chart\" width=\"" << style_.width_px << "\" height=\""
      << style_.height_px << "\" viewBox=\"0 0 " << style_.width_px << " " << style_.height_px
      << "\" role=\"img\" aria-label=\"" << xml_escape(style_.title) << "\">\n";
  out << "<title>" << xml_escape(style_.title) << "</title>\n";
  out << "<text x=\"" << kMarginLeft << "\" y=\"18\" class=\"chart-title\">" << xml_escape(style_.title)
      << "</text>\n";

  // Shading first so everything else draws over it.
  for (const Element& e : elements_) {
    if (e.kind != Kind::shade) continue;
    double x0 = sx(std::max(e.points[0].t_s, x.lo));
    double x1 = sx(std::min(e.points[1].t_s, x.hi));
    if (x1 <= x0) continue;
    out << "<rect x=\"" << px(x0) << "\" y=\"" << kMarginTop << "\" width=\"" << px(x1 - x0) << "\" height=\""
        << px(plot_h) << "\" fill=\"" << e.colour << "\"/>\n";
  }

  // Grid and y ticks.
  out << "<g class=\"axis\">\n";
  for (double v = y.lo; v <= y.hi + y_step * 1e-9; v += y_step) {
    out << "<line x1=\"" << kMarginLeft << "\" x2=\"" << px(kMarginLeft + plot_w) << "\" y1=\"" << px(sy(v))
        << "\" y2=\"" << px(sy(v)) << "\" class=\"grid\"/>";
    out << "<text x=\"" << (kMarginLeft - 6) << "\" y=\"" << px(sy(v) + 4) << "\" text-anchor=\"end\">"
        << xml_escape(tick_label(v, style_.value_unit)) << "</text>\n";
  }
  const double hours_lo = x.lo / 3600;
  const double hours_hi = x.hi / 3600;
  const double x_step = nice_step(hours_hi - hours_lo, 8);
  for (double h = std::ceil(hours_lo / x_step) * x_step; h <= hours_hi + x_step * 1e-9; h += x_step) {
    out << "<line x1=\"" << px(sx(h * 3600)) << "\" x2=\"" << px(sx(h * 3600)) << "\" y1=\""
        << px(kMarginTop + plot_h) << "\" y2=\"" << px(kMarginTop + plot_h + 4) << "\" class=\"tick\"/>";
    out << "<text x=\"" << px(sx(h * 3600)) << "\" y=\"" << px(kMarginTop + plot_h + 16)
        << "\" text-anchor=\"middle\">" << format_number(h) << "</text>\n";
  }
  out << "<rect x=\"" << kMarginLeft << "\" y=\"" << kMarginTop << "\" width=\"" << px(plot_w) << "\" height=\""
      << px(plot_h) << "\" class=\"frame\"/>\n";
  out << "<text x=\"" << px(kMarginLeft + plot_w / 2) << "\" y=\"" << px(kMarginTop + plot_h + 32)
      << "\" text-anchor=\"middle\">virtual time (hours)</text>\n";
  out << "<text transform=\"translate(14 " << px(kMarginTop + plot_h / 2) << ") rotate(-90)\" text-anchor=\"middle\">"
      << xml_escape(style_.value_unit) << "</text>\n";
  out << "</g>\n";

  for (const Element& e : elements_) {
    switch (e.kind) {
      case Kind::shade: break;
      case Kind::vertical:
        out << "<line x1=\"" << px(sx(e.points[0].t_s)) << "\" x2=\"" << px(sx(e.points[0].t_s)) << "\" y1=\""
            << kMarginTop << "\" y2=\"" << px(kMarginTop + plot_h) << "\" stroke=\"" << e.colour
            << "\" stroke-width=\"" << px(e.stroke_px) << "\"/>\n";
        break;
      case Kind::line: {
        if (e.points.empty()) break;
        out << "<polyline fill=\"none\" stroke=\"" << e.colour << "\" stroke-width=\"" << px(e.stroke_px)
            << "\" stroke-linejoin=\"round\" points=\"";
        for (std::size_t i = 0; i < e.points.size(); ++i) {
          out << (i ? " " : "") << px(sx(e.points[i].t_s)) << "," << px(sy(e.points[i].value));
        }
        out << "\"/>\n";
        break;
      }
      case Kind::markers: {
        out << "<g fill=\"" << e.colour << "\">";
        for (const Point& p : e.points) {
          out << "<circle cx=\"" << px(sx(p.t_s)) << "\" cy=\"" << px(sy(p.value)) << "\" r=\"3\"/>";
        }
        out << "</g>\n";
        break;
      }
      case Kind::segment:
        out << "<line x1=\"" << px(sx(e.points[0].t_s)) << "\" y1=\"" << px(clamp_y(e.points[0].value))
            << "\" x2=\"" << px(sx(e.points[1].t_s)) << "\" y2=\"" << px(clamp_y(e.points[1].value))
            << "\" stroke=\"" << e.colour << "\" stroke-width=\"" << px(e.stroke_px)
            << "\" stroke-dasharray=\"8 4\"/>\n";
        break;
      case Kind::horizontal:
        out << "<line x1=\"" << kMarginLeft << "\" x2=\"" << px(kMarginLeft + plot_w) << "\" y1=\""
            << px(sy(e.points[0].value)) << "\" y2=\"" << px(sy(e.points[0].value)) << "\" stroke=\"" << e.colour
            << "\" stroke-width=\"" << px(e.stroke_px) << "\" stroke-dasharray=\"3 3\"/>\n";
        break;
    }
  }

  // Legend row under the axis title.
  double legend_x = kMarginLeft;
  const double legend_y = style_.height_px - 10;
  out << "<g class=\"legend\">";
  for (const Element& e : elements_) {
    if (e.label.empty()) continue;
    if (e.kind == Kind::shade) {
      out << "<rect x=\"" << px(legend_x) << "\" y=\"" << px(legend_y - 9) << "\" width=\"14\" height=\"10\" fill=\""
          << e.colour << "\" stroke=\"#999\"/>";
    } else if (e.kind == Kind::markers) {
      out << "<circle cx=\"" << px(legend_x + 7) << "\" cy=\"" << px(legend_y - 4) << "\" r=\"3\" fill=\"" << e.colour
          << "\"/>";
    } else {
      out << "<line x1=\"" << px(legend_x) << "\" x2=\"" << px(legend_x + 14) << "\" y1=\"" << px(legend_y - 4)
          << "\" y2=\"" << px(legend_y - 4) << "\" stroke=\"" << e.colour << "\" stroke-width=\"2\"/>";
    }
    out << "<text x=\"" << px(legend_x + 18) << "\" y=\"" << px(legend_y) << "\">" << xml_escape(e.label)
        << "</text>";
    legend_x += 18 + 6.5 * static_cast<double>(e.label.size()) + 16;
  }
  out << "</g>\n</svg>";
  return out.str();
}

std::vector<Point> downsample_min_max(const std::vector<Point>& points, std::size_t max_points) {
  max_points = std::max<std::size_t>(max_points, 4);
  if (points.size() <= max_points) return points;
  const std::size_t buckets = (max_points - 2) / 2;
  const std::size_t inner = points.size() - 2;
  std::vector<Point> out;
  out.reserve(max_points);
  out.push_back(points.front());
  for (std::size_t b = 0; b < buckets; ++b) {
    std::size_t begin = 1 + b * inner / buckets;
    std::size_t end = 1 + (b + 1) * inner / buckets;
    if (begin >= end) continue;
    std::size_t lo = begin;
    std::size_t hi = begin;
    for (std::size_t i = begin; i < end; ++i) {
      if (points[i].value < points[lo].value) lo = i;
      if (points[i].value > points[hi].value) hi = i;
    }
    out.push_back(points[std::min(lo, hi)]);
    if (lo != hi) out.push_back(points[std::max(lo, hi)]);
  }
  out.push_back(points.back());
  return out;
}

}  // namespace plateau::reports
