#include "engine/core/fixed.h"

#include <cmath>
#include <stdexcept>

namespace plateau::engine {
namespace {

__extension__ using Wide = __int128;

std::int64_t narrow(Wide value, const char* what) {
  if (value > INT64_MAX || value < INT64_MIN) {
    throw std::overflow_error(std::string("Fixed overflow in ") + what);
  }
  return static_cast<std::int64_t>(value);
}

// Integer division rounded half away from zero.
Wide divide_rounded(Wide numerator, Wide denominator) {
  Wide quotient = numerator / denominator;
  Wide remainder = numerator % denominator;
  if (remainder != 0) {
    Wide twice = remainder < 0 ? -remainder * 2 : remainder * 2;
    Wide abs_den = denominator < 0 ? -denominator : denominator;
    if (twice >= abs_den) {
      quotient += ((numerator < 0) != (denominator < 0)) ? -1 : 1;
    }
  }
  return quotient;
}

}  // namespace

Fixed Fixed::from_int(std::int64_t units) {
  return Fixed(narrow(static_cast<Wide>(units) * kScale, "from_int"));
}

Fixed Fixed::from_double(double value) {
  if (!std::isfinite(value)) throw std::invalid_argument("Fixed::from_double: value is not finite");
  double scaled = std::round(value * static_cast<double>(kScale));
  if (scaled >= 9.2e18 || scaled <= -9.2e18) throw std::overflow_error("Fixed overflow in from_double");
  return Fixed(static_cast<std::int64_t>(scaled));
}

std::optional<Fixed> Fixed::parse(std::string_view text) noexcept {
  if (text.empty()) return std::nullopt;
  bool negative = false;
  std::size_t i = 0;
  if (text[0] == '-' || text[0] == '+') {
    negative = text[0] == '-';
    i = 1;
  }
  Wide integer_part = 0;
  Wide fraction = 0;
  int fraction_digits = 0;
  bool any_digit = false;
  bool in_fraction = false;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c == '.') {
      if (in_fraction) return std::nullopt;
      in_fraction = true;
      continue;
    }
    if (c < '0' || c > '9') return std::nullopt;
    any_digit = true;
    if (in_fraction) {
      if (++fraction_digits > kDecimals) return std::nullopt;
      fraction = fraction * 10 + (c - '0');
    } else {
      integer_part = integer_part * 10 + (c - '0');
      if (integer_part > INT64_MAX / kScale + 1) return std::nullopt;
    }
  }
  if (!any_digit) return std::nullopt;
  for (int d = fraction_digits; d < kDecimals; ++d) fraction *= 10;
  Wide raw = integer_part * kScale + fraction;
  if (negative) raw = -raw;
  if (raw > INT64_MAX || raw < INT64_MIN) return std::nullopt;
  return Fixed(static_cast<std::int64_t>(raw));
}

std::string Fixed::to_string() const {
  Wide value = raw_;
  bool negative = value < 0;
  if (negative) value = -value;
  auto integer_part = static_cast<unsigned long long>(value / kScale);
  auto fraction = static_cast<unsigned long long>(value % kScale);
  std::string out = negative ? "-" : "";
  out += std::to_string(integer_part);
  if (fraction != 0) {
    std::string digits = std::to_string(fraction);
    digits.insert(0, static_cast<std::size_t>(kDecimals) - digits.size(), '0');
    while (!digits.empty() && digits.back() == '0') digits.pop_back();
    out += '.';
    out += digits;
  }
  return out;
}

Fixed Fixed::rounded(int decimals) const {
  if (decimals < 0 || decimals > kDecimals) throw std::invalid_argument("Fixed::rounded: decimals must be 0..8");
  Wide step = 1;
  for (int d = decimals; d < kDecimals; ++d) step *= 10;
  return Fixed(narrow(divide_rounded(raw_, step) * step, "rounded"));
}

Fixed Fixed::operator-() const { return Fixed(narrow(-static_cast<Wide>(raw_), "negation")); }

Fixed& Fixed::operator+=(Fixed other) {
  raw_ = narrow(static_cast<Wide>(raw_) + other.raw_, "addition");
  return *this;
}

Fixed& Fixed::operator-=(Fixed other) {
  raw_ = narrow(static_cast<Wide>(raw_) - other.raw_, "subtraction");
  return *this;
}

Fixed operator*(Fixed a, Fixed b) {
  return Fixed(narrow(divide_rounded(static_cast<Wide>(a.raw_) * b.raw_, Fixed::kScale), "multiplication"));
}

Fixed operator/(Fixed a, Fixed b) {
  if (b.raw_ == 0) throw std::domain_error("Fixed division by zero");
  return Fixed(narrow(divide_rounded(static_cast<Wide>(a.raw_) * Fixed::kScale, b.raw_), "division"));
}

}  // namespace plateau::engine
