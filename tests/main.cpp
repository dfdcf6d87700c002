// Catch2 v2 entry point for every test of the project.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
