// tests/support/npm_package.h — pinned npm packages for the tests that run real JavaScript
// clients (openai, playwright-core), installed once into <source>/.cache/npm under a file lock
// (tests run in parallel). A missing Node.js/npm/registry is reported, never skipped.
#pragma once

#include <string>

namespace insightv::test {

std::string npm_cache_dir();  // <source>/.cache/npm (node_modules/ below it)
// Installs name@version unless that version is there; returns "" or why it could not.
std::string ensure_npm_package(const std::string& name, const std::string& version);

}  // namespace insightv::test
