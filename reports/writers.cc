#include "reports/writers.h"

#include <array>
#include <string>
#include <system_error>

#include "reports/atomic_file.h"
#include "reports/json.h"

namespace plateau::reports {

void write_json_report(const Report& report, const std::filesystem::path& path) {
  write_file_atomically(path, render_json(report));
}
void write_junit_xml(const Report& report, const std::filesystem::path& path) {
  write_file_atomically(path, render_junit_xml(report));
}
void write_html_report(const Report& report, const std::filesystem::path& path) {
  write_file_atomically(path, render_html_report(report));
}
void write_markdown_summary(const Report& report, const std::filesystem::path& path) {
  write_file_atomically(path, render_markdown_summary(report));
}

std::vector<std::filesystem::path> write_all(const Report& report, const std::filesystem::path& dir) {
  return write_report_set(report, dir, {});
}

std::vector<std::filesystem::path> write_report_set(const Report& report, const std::filesystem::path& dir,
                                                    const std::vector<ExtraFile>& extras) {
  // Render everything first: a report one writer refuses (a non-finite number)
  // must not leave a directory with some formats new and others stale.
  const std::array<std::pair<const char*, std::string>, 4> outputs{{
      {kJsonFileName, render_json(report)},
      {kJunitFileName, render_junit_xml(report)},
      {kHtmlFileName, render_html_report(report)},
      {kMarkdownFileName, render_markdown_summary(report)},
  }};
  std::filesystem::create_directories(dir);
  // The old commit record goes first: from here until the new one lands, the
  // folder holds no report a reader would take for complete.
  const std::filesystem::path json = dir / kJsonFileName;
  std::error_code ec;
  std::filesystem::remove(json, ec);
  if (ec) throw std::system_error(ec, "cannot replace " + json.string());
  std::vector<std::filesystem::path> written;
  for (const auto& [name, content] : outputs) written.push_back(dir / name);
  for (std::size_t i = 1; i < outputs.size(); ++i) write_file_atomically(written[i], outputs[i].second);
  for (const ExtraFile& extra : extras) {
    written.push_back(dir / extra.name);
    write_file_atomically(written.back(), extra.content);
  }
  write_file_atomically(json, outputs[0].second);
  return written;
}

}  // namespace plateau::reports
