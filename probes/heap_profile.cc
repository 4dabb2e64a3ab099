#include "probes/heap_profile.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

namespace plateau::probes {
namespace {

constexpr std::string_view kMappedLibraries = "MAPPED_LIBRARIES:";

// A cursor over one line with strict, bounds-checked token readers. Every
// failure throws HeapProfileError naming the file, the line and what was
// expected, so a malformed dump is reported, never half-read.
class LineReader {
 public:
  LineReader(std::string_view line, std::string_view source, std::size_t line_no, bool incomplete = false)
      : line_(line), source_(source), line_no_(line_no), incomplete_(incomplete) {}

  void skip_spaces() {
    while (pos_ < line_.size() && (line_[pos_] == ' ' || line_[pos_] == '\t')) ++pos_;
  }
  bool at_end() {
    skip_spaces();
    return pos_ >= line_.size();
  }
  bool peek(char c) {
    skip_spaces();
    return pos_ < line_.size() && line_[pos_] == c;
  }
  void expect(std::string_view token) {
    skip_spaces();
    if (line_.substr(pos_, token.size()) != token) {
      fail("expected '" + std::string(token) + "' at column " + std::to_string(pos_ + 1));
    }
    pos_ += token.size();
  }
  std::uint64_t number(const char* what) {
    skip_spaces();
    const std::size_t start = pos_;
    std::uint64_t value = 0;
    while (pos_ < line_.size() && line_[pos_] >= '0' && line_[pos_] <= '9') {
      const auto digit = static_cast<std::uint64_t>(line_[pos_] - '0');
      if (value > (UINT64_MAX - digit) / 10) fail(std::string(what) + " overflows 64 bits");
      value = value * 10 + digit;
      ++pos_;
    }
    if (pos_ == start) {
      fail(std::string("expected ") + what + " (a decimal number) at column " + std::to_string(start + 1));
    }
    return value;
  }
  std::uintptr_t address() {
    skip_spaces();
    if (line_.substr(pos_, 2) != "0x" && line_.substr(pos_, 2) != "0X") {
      fail("expected a stack address (0x...) at column " + std::to_string(pos_ + 1));
    }
    pos_ += 2;
    const std::size_t start = pos_;
    std::uintptr_t value = 0;
    while (pos_ < line_.size() && std::isxdigit(static_cast<unsigned char>(line_[pos_]))) {
      if (pos_ - start >= 2 * sizeof(std::uintptr_t)) fail("stack address longer than 64 bits");
      const char c = line_[pos_];
      const unsigned digit = c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
      value = (value << 4) | digit;
      ++pos_;
    }
    if (pos_ == start) fail("stack address '0x' has no digits");
    if (pos_ < line_.size() && line_[pos_] != ' ' && line_[pos_] != '\t') {
      fail("unexpected character in stack address at column " + std::to_string(pos_ + 1));
    }
    return value;
  }
  std::string_view rest() {
    skip_spaces();
    return line_.substr(pos_);
  }
  [[noreturn]] void fail(const std::string& why) const {
    throw HeapProfileError(std::string(source_), line_no_,
                           incomplete_ ? why + " (truncated: the file ends inside this line)" : why);
  }

 private:
  std::string_view line_;
  std::string_view source_;
  std::size_t line_no_;
  bool incomplete_;  // the last line of a file that does not end in '\n'
  std::size_t pos_ = 0;
};

struct Counts {
  std::uint64_t objects = 0;
  std::uint64_t bytes = 0;
};

// "<objects>: <bytes> [<objects>: <bytes>]" -- the first pair is live.
Counts read_counts(LineReader& r) {
  Counts live;
  live.objects = r.number("a live object count");
  r.expect(":");
  live.bytes = r.number("a live byte count");
  r.expect("[");
  r.number("an allocated object count");
  r.expect(":");
  r.number("an allocated byte count");
  r.expect("]");
  return live;
}

std::vector<std::uintptr_t> read_stack(LineReader& r) {
  std::vector<std::uintptr_t> stack;
  while (!r.at_end()) stack.push_back(r.address());
  if (stack.empty()) r.fail("stack line '@' lists no addresses");
  return stack;
}

class Builder {
 public:
  explicit Builder(HeapProfile& profile) : profile_(profile) {}
  void add(std::vector<std::uintptr_t> stack, Counts counts) {
    auto [it, inserted] = index_.try_emplace(std::move(stack), profile_.sites.size());
    if (inserted) {
      HeapSite site;
      site.stack = it->first;
      profile_.sites.push_back(std::move(site));
    }
    HeapSite& site = profile_.sites[it->second];
    site.sampled_objects += counts.objects;
    site.sampled_bytes += counts.bytes;
  }
  // As jeprof/pprof AdjustSamples for heap_v2: Poisson sampling with mean
  // period P samples an object of size s with probability 1 - exp(-s/P).
  void unsample() {
    for (HeapSite& site : profile_.sites) {
      double scale = 1.0;
      double mean = 0;
      double kept = 1.0;  // the probability an object of the mean size is sampled
      if (profile_.sample_period_bytes > 0 && site.sampled_objects > 0) {
        mean = static_cast<double>(site.sampled_bytes) / static_cast<double>(site.sampled_objects);
        // -expm1: exact for objects far smaller than the period, where
        // 1 - exp(-x) would lose its digits.
        kept = -std::expm1(-mean / static_cast<double>(profile_.sample_period_bytes));
        scale = 1.0 / kept;
      }
      site.objects = static_cast<double>(site.sampled_objects) * scale;
      site.bytes = static_cast<double>(site.sampled_bytes) * scale;
      // Each sampled object stands for 1/p objects of its size; the estimate's
      // variance is k (1 - p) (m / p)^2 (0 when every object is recorded).
      site.bytes_variance = static_cast<double>(site.sampled_objects) * (1.0 - kept) * (mean * scale) * (mean * scale);
    }
  }

 private:
  HeapProfile& profile_;
  std::map<std::vector<std::uintptr_t>, std::size_t> index_;
};

struct Lines {
  std::string_view text;
  std::size_t pos = 0;
  std::size_t number = 0;
  bool incomplete = false;  // the line just read ended at end of file, not at '\n'
  bool next(std::string_view& line) {
    if (pos >= text.size()) return false;
    auto end = text.find('\n', pos);
    incomplete = end == std::string_view::npos;
    if (incomplete) end = text.size();
    line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = end + 1;
    ++number;
    return true;
  }
};

void parse_jemalloc(Lines& lines, std::string_view source, HeapProfile& profile) {
  Builder builder(profile);
  std::string_view line;
  std::optional<std::vector<std::uintptr_t>> pending;  // stack awaiting its t*: line
  std::size_t pending_line = 0;
  bool mapped = false;
  while (lines.next(line)) {
    LineReader r(line, source, lines.number, lines.incomplete);
    if (r.at_end()) continue;
    if (r.rest().starts_with(kMappedLibraries)) {
      mapped = true;
      break;
    }
    if (r.peek('@')) {
      if (pending) {
        throw HeapProfileError(std::string(source), pending_line,
                               "stack has no 't*:' totals line before the next stack");
      }
      r.expect("@");
      pending = read_stack(r);
      pending_line = lines.number;
      continue;
    }
    if (r.peek('t')) {
      r.expect("t");
      if (r.peek('*')) {
        r.expect("*");
        r.expect(":");
        const Counts counts = read_counts(r);
        if (!r.at_end()) r.fail("unexpected text after the t*: counts");
        if (pending) {  // t*: before the first stack is the whole-heap total
          builder.add(std::move(*pending), counts);
          pending.reset();
        }
      } else {
        r.number("a thread index after 't'");  // per-thread lines: totals suffice
        r.expect(":");
        read_counts(r);
      }
      continue;
    }
    r.fail("expected a '@' stack line, a 't*:' / 'tN:' counts line or MAPPED_LIBRARIES:");
  }
  if (pending) {
    throw HeapProfileError(std::string(source), pending_line,
                           "truncated: the last stack has no 't*:' totals line");
  }
  if (!mapped) {
    throw HeapProfileError(std::string(source), lines.number,
                           "truncated: the dump ends without its MAPPED_LIBRARIES: section");
  }
  builder.unsample();
}

void parse_gperftools(Lines& lines, std::string_view source, HeapProfile& profile) {
  Builder builder(profile);
  std::string_view line;
  bool mapped = false;
  while (lines.next(line)) {
    LineReader r(line, source, lines.number, lines.incomplete);
    if (r.at_end()) continue;
    if (r.rest().starts_with(kMappedLibraries) || r.rest().starts_with("--- Memory map:")) {
      mapped = true;
      break;
    }
    const Counts counts = read_counts(r);
    r.expect("@");
    builder.add(read_stack(r), counts);
  }
  if (!mapped) {
    throw HeapProfileError(std::string(source), lines.number,
                           "truncated: the profile ends without its MAPPED_LIBRARIES: section");
  }
  builder.unsample();
}

std::uint64_t period_after(LineReader& r, std::string_view label) {
  const std::uint64_t period = r.number("a sampling period after 'heap_v2/'");
  if (period == 0) r.fail(std::string(label) + " sampling period is 0");
  if (!r.at_end()) r.fail("unexpected text after the sampling period");
  return period;
}

}  // namespace

std::string_view to_string(HeapProfileFormat format) noexcept {
  switch (format) {
    case HeapProfileFormat::kJemalloc:
      return "jemalloc heap_v2";
    case HeapProfileFormat::kGperftoolsSampled:
      return "gperftools sampled heap";
    case HeapProfileFormat::kGperftoolsFull:
      return "gperftools heap profile";
  }
  return "unknown";
}

HeapProfileError::HeapProfileError(std::string source, std::size_t line, const std::string& why)
    : std::runtime_error("heap profile '" + source + "'" +
                         (line > 0 ? " line " + std::to_string(line) : std::string()) + ": " + why),
      source_(std::move(source)),
      line_(line) {}

double HeapProfile::total_bytes() const noexcept {
  double total = 0;
  for (const HeapSite& s : sites) total += s.bytes;
  return total;
}

double HeapProfile::total_objects() const noexcept {
  double total = 0;
  for (const HeapSite& s : sites) total += s.objects;
  return total;
}

HeapProfile parse_heap_profile(std::string_view text, std::string_view source) {
  HeapProfile profile;
  profile.source.assign(source);
  Lines lines{text};
  if (text.find('\0') != std::string_view::npos) {
    throw HeapProfileError(std::string(source), 0, "binary data: not a text heap profile");
  }
  std::string_view header;
  bool found = false;
  while (!found && lines.next(header)) found = !LineReader(header, source, lines.number).at_end();
  if (!found) throw HeapProfileError(std::string(source), 0, "empty file");

  LineReader r(header, source, lines.number, lines.incomplete);
  if (r.rest().starts_with("heap_v2/")) {
    r.expect("heap_v2/");
    profile.format = HeapProfileFormat::kJemalloc;
    profile.sample_period_bytes = period_after(r, "heap_v2");
    parse_jemalloc(lines, source, profile);
  } else if (r.rest().starts_with("heap profile:")) {
    r.expect("heap profile:");
    read_counts(r);
    r.expect("@");
    const std::string_view label = r.rest();
    if (label.starts_with("heap_v2/")) {
      r.expect("heap_v2/");
      profile.format = HeapProfileFormat::kGperftoolsSampled;
      profile.sample_period_bytes = period_after(r, "heap_v2");
    } else if (label == "heapprofile") {
      profile.format = HeapProfileFormat::kGperftoolsFull;
      profile.sample_period_bytes = 0;
    } else {
      r.fail("unsupported sampling label '" + std::string(label) +
             "' (known: heap_v2/<period>, heapprofile)");
    }
    parse_gperftools(lines, source, profile);
  } else {
    r.fail(
        "not a heap profile: the first line must start with 'heap_v2/' (jemalloc) or "
        "'heap profile:' (gperftools)");
  }
  return profile;
}

HeapProfile parse_heap_profile_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    throw HeapProfileError(file.string(), 0, std::string("cannot open: ") + std::strerror(errno));
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) throw HeapProfileError(file.string(), 0, "read error");
  return parse_heap_profile(buffer.str(), file.string());
}

}  // namespace plateau::probes
