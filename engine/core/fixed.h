// Fixed: the one fixed-point type for money, prices, quantities and fees.
//
// Seed 003 lost cents by mixing float and Decimal in take-profit and stop-loss
// arithmetic; here every amount is a signed 64-bit count of 1e-8 units (eight
// decimals, enough for crypto quantities), and products and quotients go
// through 128-bit intermediates rounded half away from zero. Overflow throws
// std::overflow_error rather than wrapping. Range: about +/-9.2e10.
//
// Thread safety: a value type; no shared state.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace plateau::engine {

class Fixed {
 public:
  static constexpr int kDecimals = 8;
  static constexpr std::int64_t kScale = 100'000'000;

  constexpr Fixed() noexcept = default;

  static constexpr Fixed from_raw(std::int64_t raw) noexcept { return Fixed(raw); }
  static Fixed from_int(std::int64_t units);
  // Rounds half away from zero at the 8th decimal; throws on NaN or overflow.
  static Fixed from_double(double value);
  // Parses "-12.345"; nullopt on anything else (no exponent, at most 8 decimals).
  static std::optional<Fixed> parse(std::string_view text) noexcept;

  constexpr std::int64_t raw() const noexcept { return raw_; }
  double to_double() const noexcept { return static_cast<double>(raw_) / kScale; }
  // Shortest decimal text that round-trips through parse(), e.g. "10.5".
  std::string to_string() const;

  // Rounded half away from zero to `decimals` places (0..8); cents = 2.
  Fixed rounded(int decimals) const;
  Fixed abs() const { return raw_ < 0 ? -*this : *this; }
  constexpr bool is_zero() const noexcept { return raw_ == 0; }
  constexpr bool is_negative() const noexcept { return raw_ < 0; }

  Fixed operator-() const;
  Fixed& operator+=(Fixed other);
  Fixed& operator-=(Fixed other);
  friend Fixed operator+(Fixed a, Fixed b) { return a += b; }
  friend Fixed operator-(Fixed a, Fixed b) { return a -= b; }
  friend Fixed operator*(Fixed a, Fixed b);
  // Throws std::domain_error on division by zero.
  friend Fixed operator/(Fixed a, Fixed b);

  friend constexpr auto operator<=>(Fixed a, Fixed b) noexcept = default;
  friend constexpr bool operator==(Fixed a, Fixed b) noexcept = default;

 private:
  constexpr explicit Fixed(std::int64_t raw) noexcept : raw_(raw) {}
  std::int64_t raw_ = 0;
};

}  // namespace plateau::engine
