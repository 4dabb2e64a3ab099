// Components: the one mapping from a source file of the engine to the
// component name its inventory, audit and failpoints already use.
//
// A heap-profile site is attributed to the component whose source file holds
// its first project frame (`engine/exec/order_router.cc` -> `router`). The
// engine owns its file layout, so the engine publishes this mapping; nothing
// outside engine/ lists engine paths. The longest matching prefix wins: a
// file-specific entry (exec/order_router) over its folder's.
//
// Thread safety: pure functions over constant data; call from any thread.
// Invariant: every name returned is one a component reports in inventory()
// or audit() (or "engine" for the facade and core, "cache" for BoundedCache).
#pragma once

#include <span>
#include <string_view>

namespace plateau::engine {

struct ComponentSource {
  std::string_view path_prefix;  // project-relative, e.g. "engine/exec/order_router"
  std::string_view component;    // e.g. "router"
};

// Every mapping entry, for documentation and tests.
std::span<const ComponentSource> component_sources() noexcept;

// The component that owns the engine source file at `project_relative_path`
// (e.g. "engine/plans/auto_executor.cc" -> "plans"), or "" when the path is
// not engine code. The path is relative to the repository root, '/'-separated.
std::string_view component_for_source(std::string_view project_relative_path) noexcept;

// True for the engine's shared building blocks (engine/cache/, engine/core/):
// memory they allocate belongs to the component that owns the container, so
// a heap site is attributed to the first caller outside them.
bool is_shared_building_block(std::string_view project_relative_path) noexcept;

}  // namespace plateau::engine
