// Rng: the harness's deterministic random source (xoshiro256** seeded by SplitMix64).
//
// The same scenario and seed must give the same event sequence on every
// machine and standard library, so the harness does not use the <random>
// distributions (their algorithms are implementation-defined); uniform,
// exponential, Bernoulli and index draws are computed here from raw 64-bit
// outputs. Each event stream derives its own Rng from (seed, stream name), so
// adding a stream or drawing more payload in one stream never shifts another.
//
// Thread safety: none; one Rng belongs to one stream on the driver thread.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace plateau::harness {

// FNV-1a, for deriving per-stream seeds from names (stable across platforms).
constexpr std::uint64_t fnv1a(std::string_view text, std::uint64_t hash = 0xcbf29ce484222325ULL) noexcept {
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

class Rng {
 public:
  explicit Rng(std::uint64_t seed) noexcept {
    std::uint64_t x = seed;
    for (auto& word : state_) word = splitmix64(x);
  }
  // A stream's own generator: independent of every other stream's draws.
  static Rng for_stream(std::uint64_t seed, std::string_view stream_name) noexcept {
    return Rng(seed ^ fnv1a(stream_name));
  }

  std::uint64_t next_u64() noexcept {
    const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }
  // Uniform in [0, 1) with 53 bits of resolution.
  double uniform() noexcept { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
  double uniform(double low, double high) noexcept { return low + (high - low) * uniform(); }
  // Exponential with the given rate (mean 1/rate); rate must be > 0.
  double exponential(double rate) noexcept { return -std::log1p(-uniform()) / rate; }
  bool bernoulli(double probability) noexcept { return uniform() < probability; }
  // Uniform index in [0, n); n must be > 0. The modulo bias is below n / 2^64: negligible here.
  std::size_t index(std::size_t n) noexcept { return static_cast<std::size_t>(next_u64() % n); }
  // Standard normal (Box-Muller, one of the pair), for random-walk steps.
  double normal() noexcept {
    const double u1 = 1.0 - uniform();  // (0, 1]
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }

 private:
  static constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }
  static constexpr std::uint64_t splitmix64(std::uint64_t& x) noexcept {
    std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::uint64_t state_[4];
};

}  // namespace plateau::harness
