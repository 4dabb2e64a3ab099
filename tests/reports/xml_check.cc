#include "tests/reports/xml_check.h"

#include <cctype>
#include <stdexcept>

namespace plateau::reports::testing {
namespace {

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  XmlElement document() {
    skip_space();
    if (starts_with("<?xml")) {
      std::size_t end = text_.find("?>", pos_);
      if (end == std::string_view::npos) fail("unterminated XML declaration");
      pos_ = end + 2;
    }
    skip_misc();
    XmlElement root = element();
    skip_misc();
    if (pos_ != text_.size()) fail("content after the root element");
    return root;
  }

 private:
  [[noreturn]] void fail(const std::string& why) const {
    throw std::runtime_error("not well-formed XML at byte " + std::to_string(pos_) + ": " + why);
  }
  bool starts_with(std::string_view prefix) const { return text_.substr(pos_, prefix.size()) == prefix; }
  void skip_space() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  void skip_misc() {
    for (;;) {
      skip_space();
      if (!starts_with("<!--")) return;
      std::size_t end = text_.find("-->", pos_);
      if (end == std::string_view::npos) fail("unterminated comment");
      pos_ = end + 3;
    }
  }
  std::string name() {
    std::size_t start = pos_;
    while (pos_ < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_' ||
                                   text_[pos_] == '-' || text_[pos_] == '.' || text_[pos_] == ':')) {
      ++pos_;
    }
    if (start == pos_) fail("expected a name");
    return std::string(text_.substr(start, pos_ - start));
  }
  // Character data up to a terminator, with references resolved.
  std::string characters(char terminator) {
    std::string out;
    while (pos_ < text_.size() && text_[pos_] != terminator) {
      char c = text_[pos_];
      if (c == '<') fail("raw '<' in character data");
      if (c == '&') {
        std::size_t end = text_.find(';', pos_);
        if (end == std::string_view::npos) fail("unterminated reference");
        std::string_view ref = text_.substr(pos_ + 1, end - pos_ - 1);
        if (ref == "amp") out += '&';
        else if (ref == "lt") out += '<';
        else if (ref == "gt") out += '>';
        else if (ref == "quot") out += '"';
        else if (ref == "apos") out += '\'';
        else if (!ref.empty() && ref[0] == '#') out += '?';
        else fail("unknown entity &" + std::string(ref) + ";");
        pos_ = end + 1;
        continue;
      }
      if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') fail("control character");
      out += c;
      ++pos_;
    }
    return out;
  }
  XmlElement element() {
    if (!starts_with("<")) fail("expected '<'");
    ++pos_;
    XmlElement e;
    e.name = name();
    for (;;) {
      skip_space();
      if (starts_with("/>")) {
        pos_ += 2;
        return e;
      }
      if (starts_with(">")) {
        ++pos_;
        break;
      }
      std::string attribute = name();
      skip_space();
      if (!starts_with("=")) fail("expected '=' after attribute " + attribute);
      ++pos_;
      skip_space();
      if (pos_ >= text_.size() || (text_[pos_] != '"' && text_[pos_] != '\'')) fail("unquoted attribute");
      char quote = text_[pos_++];
      std::string value = characters(quote);
      if (pos_ >= text_.size()) fail("unterminated attribute value");
      ++pos_;
      if (!e.attributes.emplace(attribute, value).second) fail("duplicate attribute " + attribute);
    }
    for (;;) {
      if (pos_ >= text_.size()) fail("unclosed element <" + e.name + ">");
      if (starts_with("</")) {
        pos_ += 2;
        std::string closing = name();
        if (closing != e.name) fail("</" + closing + "> closes <" + e.name + ">");
        skip_space();
        if (!starts_with(">")) fail("expected '>'");
        ++pos_;
        return e;
      }
      if (starts_with("<!--")) {
        skip_misc();
        continue;
      }
      if (starts_with("<")) {
        e.children.push_back(element());
        continue;
      }
      e.text += characters('<');
    }
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

void collect(const XmlElement& element, const std::string& name, std::vector<const XmlElement*>& out) {
  if (element.name == name) out.push_back(&element);
  for (const XmlElement& child : element.children) collect(child, name, out);
}

}  // namespace

XmlElement parse_xml(std::string_view document) { return Parser(document).document(); }

std::vector<const XmlElement*> find_all(const XmlElement& root, const std::string& name) {
  std::vector<const XmlElement*> out;
  collect(root, name, out);
  return out;
}

}  // namespace plateau::reports::testing
