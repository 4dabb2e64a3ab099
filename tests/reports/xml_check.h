// A small XML well-formedness checker for the JUnit contract test (xmllint
// is not installed on the CI image). It accepts the subset an XML 1.0
// document may contain that our writers could produce — declaration,
// elements, attributes in double or single quotes, text, the five predefined
// entities and numeric character references, comments — and rejects
// anything else: unbalanced or crossed tags, duplicate attributes, a raw '<'
// or '&' in text or attributes, content after the root element.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace plateau::reports::testing {

struct XmlElement {
  std::string name;
  std::map<std::string, std::string> attributes;  // unescaped values
  std::string text;                               // unescaped direct text
  std::vector<XmlElement> children;
};

// Throws std::runtime_error with the byte offset of the first problem.
XmlElement parse_xml(std::string_view document);

// Every element named `name` in the tree, depth first.
std::vector<const XmlElement*> find_all(const XmlElement& root, const std::string& name);

}  // namespace plateau::reports::testing
