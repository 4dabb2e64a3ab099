// merge_reports: one report from the reports of several shards (for example
// one per scenario x allocator build), the computation behind `plateau merge`.
//
// The merged verdict is the worst shard's (error > leak > incomplete >
// bounded); the merge is incomplete when any shard is, with the shards named.
// Findings, canary results, comparison rows and heap sites are concatenated
// with the shard named: a finding's message gets a "[label] " prefix and its
// series a "label:" prefix; canary failpoints and comparison series get the
// "label:" prefix too. Only the series some finding names are carried over
// (renamed the same way, so the HTML still charts each finding); every
// shard's full series stay in its own report.json, listed in `shards`.
// Clean runs of canary matrices are concatenated as they are (the model's
// CleanRun has no field to name a shard).
//
// Labels: "<scenario>/<allocator>" from each shard's context unless given;
// when several shards share one, each gets its report's folder name appended
// ("gate/jemalloc/clean-seed-3"), or its last two folder names when one is
// not enough ("gate/jemalloc/gate-clean/run"), and any label still repeated
// gets "#2", "#3", ... so every shard stays distinct.
//
// Thread safety: pure functions over values.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "reports/model.h"

namespace plateau::soak {

struct ShardInput {
  std::string label;  // empty: derived from the report's context
  std::filesystem::path report_path;
  reports::Report report;
};

// Severity order used for "worst": bounded < incomplete < leak < error.
int verdict_severity(reports::Verdict verdict) noexcept;

// Throws std::invalid_argument when shards is empty.
reports::Report merge_reports(const std::vector<ShardInput>& shards);

// Where the shard reports under `dir` are: dir/report.json if it exists, else
// every <dir>/<sub>/report.json one level down (the layout CI artifact
// downloads produce), sorted by path. Throws std::invalid_argument naming the
// directory when it holds none.
std::vector<std::filesystem::path> find_shard_reports(const std::filesystem::path& dir);

}  // namespace plateau::soak
