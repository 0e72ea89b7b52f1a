// Catch2 (v2) entry point for the unit tier: plain Catch2, no privileges expected.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
