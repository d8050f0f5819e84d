# Dependencies, found and never vendored: Catch2 (2.13, or 3 from vcpkg), standalone
# asio, nlohmann-json, CLI11 and Threads. Each ends up behind one target of ours:
# closesem::catch2, closesem::asio, closesem::json, closesem::cli11.
#
# A native build uses each package's own CMake config (our Find module for asio).
# A cross build (mingw) must not see the host's /usr/include, where glibc's headers
# live; it gets a staging folder that links only the libraries' own include folders.

function(_closesem_staged_headers target)
  # ARGN: entries below the host include folder (e.g. "catch2", "asio.hpp", "asio").
  set(stage "${CMAKE_BINARY_DIR}/_staged_include")
  foreach(entry IN LISTS ARGN)
    find_path(_root NAMES "${entry}" PATHS /usr/include /usr/local/include
              NO_DEFAULT_PATH NO_CMAKE_FIND_ROOT_PATH)
    if(NOT _root)
      message(FATAL_ERROR "closesem: header-only dependency '${entry}' not found in "
                          "/usr/include. Run ./closesem test, which installs it.")
    endif()
    if(NOT EXISTS "${stage}/${entry}")
      file(MAKE_DIRECTORY "${stage}")
      file(CREATE_LINK "${_root}/${entry}" "${stage}/${entry}" SYMBOLIC)
    endif()
    unset(_root CACHE)
  endforeach()
  add_library(${target} INTERFACE IMPORTED GLOBAL)
  set_target_properties(${target} PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${stage}")
endfunction()

macro(closesem_find_dependencies)
  find_package(Threads REQUIRED)
  if(CLOSESEM_FUZZ_ONLY)
    find_package(Asio 1.18 REQUIRED)
    # The runner writes the check-counts file (CLOSESEM_CHECK_COUNTS) with nlohmann-json
    # (3.7: ClusterFuzzLite's Ubuntu 20.04 image has 3.7.3; check_counts.cpp needs no more).
    find_package(nlohmann_json 3.7 REQUIRED)
    add_library(closesem::json INTERFACE IMPORTED GLOBAL)
    target_link_libraries(closesem::json INTERFACE nlohmann_json::nlohmann_json)
  elseif(CMAKE_CROSSCOMPILING)
    _closesem_staged_headers(closesem::catch2 catch2)
    _closesem_staged_headers(closesem::json nlohmann)
    _closesem_staged_headers(closesem::cli11 CLI)
    _closesem_staged_headers(closesem::asio asio.hpp asio)
    set_property(TARGET closesem::asio PROPERTY INTERFACE_COMPILE_DEFINITIONS
                 ASIO_STANDALONE ASIO_NO_DEPRECATED)
    # Catch.cmake (test discovery) is plain CMake code; take it from the host package.
    find_file(CLOSESEM_CATCH_CMAKE Catch.cmake PATHS /usr/lib/cmake/Catch2
              /usr/share/Catch2/cmake NO_DEFAULT_PATH NO_CMAKE_FIND_ROOT_PATH REQUIRED)
    include("${CLOSESEM_CATCH_CMAKE}")
  else()
    # Catch2 2.13 (Debian) or 3.x (vcpkg); its version file accepts the same major only.
    find_package(Catch2 REQUIRED)
    if(Catch2_VERSION VERSION_LESS 2.13)
      message(FATAL_ERROR "closesem needs Catch2 2.13 or later; found ${Catch2_VERSION}")
    endif()
    find_package(nlohmann_json 3.10 REQUIRED)
    find_package(CLI11 2.1 REQUIRED)
    find_package(Asio 1.18 REQUIRED)
    include(Catch)
    add_library(closesem::catch2 INTERFACE IMPORTED GLOBAL)
    target_link_libraries(closesem::catch2 INTERFACE Catch2::Catch2)
    add_library(closesem::json INTERFACE IMPORTED GLOBAL)
    target_link_libraries(closesem::json INTERFACE nlohmann_json::nlohmann_json)
    add_library(closesem::cli11 INTERFACE IMPORTED GLOBAL)
    target_link_libraries(closesem::cli11 INTERFACE CLI11::CLI11)
  endif()
endmacro()
