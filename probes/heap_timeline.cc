#include "probes/heap_timeline.h"

#include <algorithm>
#include <utility>

#include "engine/core/components.h"

namespace plateau::probes {

const SiteStack* SiteTimeline::largest_stack() const {
  const SiteStack* best = nullptr;
  for (const SiteStack& s : stacks) {
    if (best == nullptr || s.bytes_latest > best->bytes_latest) best = &s;
  }
  return best;
}

HeapTimelines::HeapTimelines(Symbolizer& symbolizer, std::vector<std::string> instrumentation_paths)
    : symbolizer_(symbolizer), instrumentation_paths_(std::move(instrumentation_paths)) {}

std::size_t HeapTimelines::site_for(const std::vector<std::uintptr_t>& stack) {
  // The first project frame; inside a shared building block of the engine
  // (BoundedCache, core), the first caller outside it, whose container it is.
  const Frame* ours = nullptr;
  const Frame* named = nullptr;
  bool done = false;
  for (std::uintptr_t address : stack) {
    for (const Frame& f : symbolizer_.resolve(address)) {
      if (named == nullptr && !f.function.empty() && !is_allocator_or_std_frame(f.function, f.module)) named = &f;
      if (!f.ours) continue;
      if (ours == nullptr) ours = &f;
      if (!engine::is_shared_building_block(f.file)) {
        if (ours != &f && engine::is_shared_building_block(ours->file)) ours = &f;
        done = true;
        break;
      }
    }
    if (done) break;
  }
  const Frame* site_frame = ours != nullptr ? ours : named;
  std::string id;
  if (site_frame == nullptr) {
    id = "(unsymbolised)";
  } else {
    const std::string location = site_frame->location();
    const std::string name = short_function_name(site_frame->function);
    id = location.empty() ? name : location + " " + name;
  }
  auto [it, inserted] = site_by_id_.try_emplace(id, sites_.size());
  if (inserted) {
    SiteTimeline site;
    site.id = id;
    if (site_frame != nullptr) site.frame = *site_frame;
    site.third_party = ours == nullptr;
    if (ours != nullptr) {
      site.component = std::string(engine::component_for_source(ours->file));
      site.instrumentation = std::any_of(instrumentation_paths_.begin(), instrumentation_paths_.end(),
                                         [&](const std::string& p) { return ours->file.starts_with(p); });
    }
    site.bytes.assign(times_.size(), 0.0);
    site.objects.assign(times_.size(), 0.0);
    site.samples.assign(times_.size(), 0.0);
    site.bytes_variance.assign(times_.size(), 0.0);
    sites_.push_back(std::move(site));
  }
  return it->second;
}

void HeapTimelines::add(double t_s, const HeapProfile& profile) {
  if (!times_.empty() && t_s <= times_.back()) {
    throw std::invalid_argument("heap timeline: dump at t=" + std::to_string(t_s) +
                                "s is not after the previous one at t=" + std::to_string(times_.back()) + "s");
  }
  times_.push_back(t_s);
  grouped_ = false;
  for (StackSeries& s : stacks_) {
    s.bytes.push_back(0.0);
    s.objects.push_back(0.0);
    s.samples.push_back(0.0);
    s.bytes_variance.push_back(0.0);
  }
  for (const HeapSite& heap_site : profile.sites) {
    auto found = stack_index_.find(heap_site.stack);
    if (found == stack_index_.end()) {
      StackSeries series;
      series.addresses = heap_site.stack;
      series.bytes.assign(times_.size(), 0.0);
      series.objects.assign(times_.size(), 0.0);
      series.samples.assign(times_.size(), 0.0);
      series.bytes_variance.assign(times_.size(), 0.0);
      stacks_.push_back(std::move(series));
      found = stack_index_.emplace(heap_site.stack, stacks_.size() - 1).first;
    }
    StackSeries& series = stacks_[found->second];
    series.bytes.back() += heap_site.bytes;
    series.objects.back() += heap_site.objects;
    series.samples.back() += static_cast<double>(heap_site.sampled_objects);
    series.bytes_variance.back() += heap_site.bytes_variance;
  }
}

const std::vector<SiteTimeline>& HeapTimelines::sites() {
  if (!grouped_) group();
  return sites_;
}

void HeapTimelines::group() {
  sites_.clear();
  site_by_id_.clear();
  for (const StackSeries& series : stacks_) {
    SiteTimeline& site = sites_[site_for(series.addresses)];
    for (std::size_t k = 0; k < times_.size(); ++k) {
      site.bytes[k] += series.bytes[k];
      site.objects[k] += series.objects[k];
      site.samples[k] += series.samples[k];
      site.bytes_variance[k] += series.bytes_variance[k];
    }
    site.stacks.push_back(SiteStack{series.addresses, series.bytes.empty() ? 0.0 : series.bytes.back()});
  }
  grouped_ = true;
}

}  // namespace plateau::probes
