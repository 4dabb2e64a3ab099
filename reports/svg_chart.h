// A small SVG line-chart builder for report.html: time on the x axis in
// virtual hours, one value axis with a unit, polylines, dashed lines,
// horizontal reference lines and shaded x ranges.
//
// It draws exactly what it is given (the caller passes series, minima, trend
// and bound from the model); the only arithmetic is mapping data to pixels,
// choosing "nice" tick steps and, on request, min/max downsampling so a
// 100 000-sample series stays a few kilobytes. Output is deterministic text
// with fixed number formatting and no external references (inline SVG in
// HTML5 needs no xmlns, so not even the SVG namespace URL appears).
//
// Thread safety: a SvgChart is used by one thread; distinct charts are
// independent.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "reports/model.h"

namespace plateau::reports {

struct SvgChartStyle {
  int width_px = 1000;
  int height_px = 280;
  std::string title;      // drawn above the plot
  std::string value_unit; // label of the y axis
  // The x axis reaches at least this far, so charts of one run share a time
  // range even when a series stops sampling early.
  double min_end_s = 0;
};

class SvgChart {
 public:
  explicit SvgChart(SvgChartStyle style);

  // Data in (t_s, value); t is shown in virtual hours.
  void add_line(const std::vector<Point>& points, const std::string& colour, double stroke_px,
                const std::string& label);
  void add_markers(const std::vector<Point>& points, const std::string& colour, const std::string& label);
  // A straight line value = intercept + slope * t over [t0_s, t1_s].
  void add_trend(const TrendLine& trend, double t0_s, double t1_s, const std::string& colour,
                 const std::string& label);
  void add_horizontal(double value, const std::string& colour, const std::string& label);
  void add_shaded_range(double t0_s, double t1_s, const std::string& colour, const std::string& label);
  // A vertical marker at t_s across the plot (e.g. the time to detect).
  void add_vertical(double t_s, const std::string& colour, const std::string& label);

  // The <svg> element, sized to fit every element added.
  std::string render() const;

 private:
  enum class Kind { line, markers, segment, horizontal, shade, vertical };
  struct Element {
    Kind kind;
    std::vector<Point> points;  // segment: two points; horizontal: value in points[0].value; vertical: t in points[0].t_s
    std::string colour;
    double stroke_px = 1;
    std::string label;
  };
  SvgChartStyle style_;
  std::vector<Element> elements_;
};

// Keeps the first and last point and, per bucket, the minimum and maximum, so
// the drawn envelope matches the original; returns points unchanged when they
// already fit. max_points >= 4.
std::vector<Point> downsample_min_max(const std::vector<Point>& points, std::size_t max_points);

}  // namespace plateau::reports
