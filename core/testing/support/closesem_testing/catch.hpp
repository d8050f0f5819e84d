// SPDX-License-Identifier: MIT
// The one place that knows which Catch2 is in use: 2.13 on Debian, 3.x from vcpkg.
#pragma once

#if __has_include(<catch2/catch_all.hpp>)
#include <catch2/catch_all.hpp>
#define CLOSESEM_CATCH2_V3 1
namespace closesem::testing {
template <typename T>
using MatcherBase = Catch::Matchers::MatcherBase<T>;
}  // namespace closesem::testing
#else   // __has_include(<catch2/catch_all.hpp>)
#include <catch2/catch.hpp>
namespace closesem::testing {
template <typename T>
using MatcherBase = Catch::MatcherBase<T>;
}  // namespace closesem::testing
#endif  // __has_include(<catch2/catch_all.hpp>)
