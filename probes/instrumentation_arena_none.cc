// instrumentation_arena.h for tcmalloc and system builds: neither offers a
// separate arena whose figures can be read, so scopes are no-ops and
// plateau's own memory stays inside the judged allocator series.
#include "probes/instrumentation_arena.h"

namespace plateau::probes {

bool instrumentation_arena_supported() noexcept { return false; }
std::optional<unsigned> instrumentation_arena_index() noexcept { return std::nullopt; }
void* instrumentation_allocate(std::size_t bytes) { return ::operator new(bytes == 0 ? 1 : bytes); }
void instrumentation_deallocate(void* pointer) noexcept { ::operator delete(pointer); }
InstrumentationScope::InstrumentationScope(Mode) noexcept {}
InstrumentationScope::~InstrumentationScope() = default;
std::optional<InstrumentationFigures> instrumentation_figures() { return std::nullopt; }

}  // namespace plateau::probes
