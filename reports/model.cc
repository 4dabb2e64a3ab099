#include "reports/model.h"

#include <array>
#include <utility>

namespace plateau::reports {
namespace {

// One table per enum keeps the written names and the parsed names identical.
template <typename Enum, std::size_t N>
std::string_view name_of(const std::array<std::pair<Enum, std::string_view>, N>& table, Enum value) {
  for (const auto& [candidate, name] : table) {
    if (candidate == value) return name;
  }
  return "unknown";
}

template <typename Enum, std::size_t N>
std::optional<Enum> value_of(const std::array<std::pair<Enum, std::string_view>, N>& table,
                             std::string_view text) {
  for (const auto& [candidate, name] : table) {
    if (name == text) return candidate;
  }
  return std::nullopt;
}

constexpr std::array<std::pair<Verdict, std::string_view>, 5> kVerdictNames{{
    {Verdict::bounded, "bounded"},
    {Verdict::leak, "leak"},
    {Verdict::incomplete, "incomplete"},
    {Verdict::error, "error"},
    {Verdict::inconclusive, "inconclusive"},
}};
constexpr std::array<std::pair<FindingKind, std::string_view>, 5> kFindingKindNames{{
    {FindingKind::bound, "bound"},
    {FindingKind::invariant, "invariant"},
    {FindingKind::residue, "residue"},
    {FindingKind::trend, "trend"},
    {FindingKind::site, "site"},
}};
constexpr std::array<std::pair<HeapBackend, std::string_view>, 3> kHeapBackendNames{{
    {HeapBackend::jemalloc, "jemalloc"},
    {HeapBackend::tcmalloc, "tcmalloc"},
    {HeapBackend::none, "none"},
}};
constexpr std::array<std::pair<HeapSiteMatch, std::string_view>, 3> kHeapSiteMatchNames{{
    {HeapSiteMatch::yes, "yes"},
    {HeapSiteMatch::no, "no"},
    {HeapSiteMatch::not_applicable, "n/a"},
}};

}  // namespace

std::string_view to_string(Verdict verdict) { return name_of(kVerdictNames, verdict); }
std::string_view to_string(FindingKind kind) { return name_of(kFindingKindNames, kind); }
std::string_view to_string(HeapBackend backend) { return name_of(kHeapBackendNames, backend); }
std::string_view to_string(HeapSiteMatch match) { return name_of(kHeapSiteMatchNames, match); }

std::optional<Verdict> parse_verdict(std::string_view text) { return value_of(kVerdictNames, text); }
std::optional<FindingKind> parse_finding_kind(std::string_view text) {
  return value_of(kFindingKindNames, text);
}
std::optional<HeapBackend> parse_heap_backend(std::string_view text) {
  return value_of(kHeapBackendNames, text);
}
std::optional<HeapSiteMatch> parse_heap_site_match(std::string_view text) {
  return value_of(kHeapSiteMatchNames, text);
}

}  // namespace plateau::reports
