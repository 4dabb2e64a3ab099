#include "reports/limited_json.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <set>
#include <vector>

namespace plateau::reports {
namespace {

std::string with_units(std::size_t bytes) {
  if (bytes >= (1u << 20) && bytes % (1u << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  return std::to_string(bytes) + " bytes";
}

// nlohmann's messages start with "[json.exception.parse_error.101] ".
std::string without_prefix(const char* what) {
  std::string text(what);
  if (text.starts_with("[json.exception.")) {
    const auto end = text.find("] ");
    if (end != std::string::npos) text.erase(0, end + 2);
  }
  if (text.size() > 200) text = text.substr(0, 197) + "...";
  return text;
}

// Builds the DOM through nlohmann's own SAX DOM builder while keeping the
// path, the depth and each open object's keys. Refusals throw at once, so
// nothing past the first fault is parsed or kept.
template <typename Json>
class LimitedSax {
 public:
  using number_integer_t = typename Json::number_integer_t;
  using number_unsigned_t = typename Json::number_unsigned_t;
  using number_float_t = typename Json::number_float_t;
  using string_t = typename Json::string_t;
  using binary_t = typename Json::binary_t;

  LimitedSax(Json& root, const JsonLimits& limits, JsonPathStyle style)
      : dom_(root, /*allow_exceptions=*/true), limits_(limits), style_(style) {}

  bool null() { return value(), dom_.null(); }
  bool boolean(bool v) { return value(), dom_.boolean(v); }
  bool number_integer(number_integer_t v) { return value(), dom_.number_integer(v); }
  bool number_unsigned(number_unsigned_t v) { return value(), dom_.number_unsigned(v); }
  bool number_float(number_float_t v, const string_t& s) {
    value();
    if (!std::isfinite(v)) refuse("number is out of range (must fit a double, about 1.8e308 at most)");
    return dom_.number_float(v, s);
  }
  bool string(string_t& v) { return value(), dom_.string(v); }
  bool binary(binary_t& v) { return value(), dom_.binary(v); }

  bool start_object(std::size_t n) {
    open();
    frames_.push_back(Frame{true, -1, {}, {}});
    return dom_.start_object(n);
  }
  bool key(string_t& k) {
    Frame& f = frames_.back();
    f.key = k;
    if (!f.keys.insert(k).second) refuse("key appears twice in one object (each field may be given once)");
    return dom_.key(k);
  }
  bool end_object() {
    frames_.pop_back();
    return dom_.end_object();
  }
  bool start_array(std::size_t n) {
    open();
    frames_.push_back(Frame{false, -1, {}, {}});
    return dom_.start_array(n);
  }
  bool end_array() {
    frames_.pop_back();
    return dom_.end_array();
  }
  [[noreturn]] bool parse_error(std::size_t /*position*/, const std::string& /*last_token*/,
                                const nlohmann::detail::exception& error) {
    if (error.id == 406) {  // out_of_range: a number too large for a double (1e400)
      refuse("number is out of range (must fit a double, about 1.8e308 at most)", /*next_element=*/true);
    }
    refuse("is not valid JSON: " + without_prefix(error.what()), /*next_element=*/true);
  }

 private:
  struct Frame {
    bool object = false;
    long long index = -1;  // arrays: the element being read
    std::string key;       // objects: the member being read
    std::set<std::string> keys;
  };

  void value() {
    if (!frames_.empty() && !frames_.back().object) ++frames_.back().index;
  }
  void open() {
    value();
    if (frames_.size() >= limits_.max_depth) {
      refuse("is nested deeper than " + std::to_string(limits_.max_depth) +
             " levels (the limit for this file)");
    }
  }

  std::string path(bool next_element) const {
    std::string out = style_ == JsonPathStyle::dollar ? "$" : "";
    for (std::size_t i = 0; i < frames_.size(); ++i) {
      const Frame& f = frames_[i];
      const bool last = i + 1 == frames_.size();
      if (f.object) {
        if (f.keys.empty()) break;
        std::string k = f.key.size() > 64 ? f.key.substr(0, 61) + "..." : f.key;
        out += (style_ == JsonPathStyle::dollar ? "." : "/") + k;
      } else {
        const long long index = last && next_element ? f.index + 1 : f.index;
        if (index < 0) break;
        out +=
            style_ == JsonPathStyle::dollar ? "[" + std::to_string(index) + "]" : "/" + std::to_string(index);
      }
    }
    return out;  // "" (pointer style) when the fault is at the top level
  }

  [[noreturn]] void refuse(const std::string& rule, bool next_element = false) const {
    throw JsonInputError(path(next_element), rule);
  }

  nlohmann::detail::json_sax_dom_parser<Json> dom_;
  const JsonLimits& limits_;
  JsonPathStyle style_;
  std::vector<Frame> frames_;
};

void check_text(std::string_view text, const JsonLimits& limits) {
  if (text.size() > limits.max_bytes) {
    throw JsonInputError("", "is " + std::to_string(text.size()) + " bytes, larger than the limit of " +
                                 with_units(limits.max_bytes));
  }
  if (const auto nul = text.find('\0'); nul != std::string_view::npos) {
    throw JsonInputError("", "contains a NUL byte at offset " + std::to_string(nul) +
                                 " (JSON text cannot; the file is corrupt or not JSON)");
  }
}

template <typename Json>
Json parse_with_limits(std::string_view text, const JsonLimits& limits, JsonPathStyle style) {
  check_text(text, limits);
  Json document;
  LimitedSax<Json> sax(document, limits, style);
  // strict: text after the document is an error, reported through parse_error.
  Json::sax_parse(text.begin(), text.end(), &sax, nlohmann::json::input_format_t::json, /*strict=*/true);
  return document;
}

template <typename Json>
std::string preview(const Json& value, std::size_t max_chars) {
  switch (value.type()) {
    case Json::value_t::object:
      return "{...} (an object of " + std::to_string(value.size()) + " fields)";
    case Json::value_t::array:
      return "[...] (an array of " + std::to_string(value.size()) + " values)";
    case Json::value_t::string: {
      const auto& s = value.template get_ref<const typename Json::string_t&>();
      if (s.size() <= max_chars) return Json(s).dump(-1, ' ', false, Json::error_handler_t::replace);
      return Json(s.substr(0, max_chars)).dump(-1, ' ', false, Json::error_handler_t::replace) + "...";
    }
    default: {
      std::string text = value.dump(-1, ' ', false, Json::error_handler_t::replace);
      if (text.size() > max_chars) text = text.substr(0, max_chars) + "...";
      return text;
    }
  }
}

class Descriptor {
 public:
  explicit Descriptor(int fd) : fd_(fd) {}
  ~Descriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

JsonInputError::JsonInputError(std::string path, std::string rule)
    : std::runtime_error(path.empty() ? rule : path + ": " + rule),
      path_(std::move(path)),
      rule_(std::move(rule)) {}

nlohmann::json parse_limited_json(std::string_view text, const JsonLimits& limits, JsonPathStyle style) {
  return parse_with_limits<nlohmann::json>(text, limits, style);
}

nlohmann::ordered_json parse_limited_ordered_json(std::string_view text, const JsonLimits& limits,
                                                  JsonPathStyle style) {
  return parse_with_limits<nlohmann::ordered_json>(text, limits, style);
}

std::string preview_json(const nlohmann::json& value, std::size_t max_chars) {
  return preview(value, max_chars);
}
std::string preview_json(const nlohmann::ordered_json& value, std::size_t max_chars) {
  return preview(value, max_chars);
}

std::string read_limited_file(const std::filesystem::path& file, const JsonLimits& limits) {
  // Non-blocking open: opening a FIFO with no writer would otherwise wait.
  Descriptor fd(::open(file.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (fd.get() < 0) {
    throw JsonInputError("", std::string("cannot be read (") + std::strerror(errno) + ")");
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0)
    throw JsonInputError("", std::string("cannot be read (") + std::strerror(errno) + ")");
  if (S_ISDIR(st.st_mode)) throw JsonInputError("", "is a directory, not a file");
  const bool regular = S_ISREG(st.st_mode);
  if (regular && static_cast<std::uintmax_t>(st.st_size) > limits.max_bytes) {
    throw JsonInputError("", "is " + std::to_string(st.st_size) + " bytes, larger than the limit of " +
                                 with_units(limits.max_bytes));
  }
  if (regular) {
    // Regular files never block: back to plain reads.
    const int flags = ::fcntl(fd.get(), F_GETFL);
    if (flags >= 0) ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK);
  }
  std::string text;
  const std::size_t cap = limits.max_bytes + 1;  // one more byte proves "too large"
  text.reserve(regular ? static_cast<std::size_t>(st.st_size) : 4096);
  char buffer[65536];
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(limits.read_timeout_ms);
  while (text.size() < cap) {
    const std::size_t want = std::min(sizeof buffer, cap - text.size());
    const ssize_t got = ::read(fd.get(), buffer, want);
    if (got > 0) {
      text.append(buffer, static_cast<std::size_t>(got));
      continue;
    }
    if (got == 0) break;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        throw JsonInputError("", "sent nothing for " + std::to_string(limits.read_timeout_ms) +
                                     " ms (a pipe or device with no writer)");
      }
      pollfd p{fd.get(), POLLIN, 0};
      ::poll(&p, 1, static_cast<int>(left.count()));
      continue;
    }
    throw JsonInputError("", std::string("read failed (") + std::strerror(errno) + ")");
  }
  if (text.size() > limits.max_bytes) {
    throw JsonInputError(
        "", "is larger than the limit of " + with_units(limits.max_bytes) + " (read stopped there)");
  }
  return text;
}

}  // namespace plateau::reports
