# Runs the Windows build under Wine: ctest (and Catch2's test discovery) start every
# Windows binary through build/<preset>/wine-run, which uses a Wine prefix of its own
# inside the build folder. The prefix is created here, once, so that parallel test
# processes never race to create it.
function(closesem_setup_wine)
  find_program(CLOSESEM_WINE64 NAMES wine64 PATHS /usr/lib/wine /usr/lib64/wine
               NO_CMAKE_FIND_ROOT_PATH)
  if(NOT CLOSESEM_WINE64)
    message(WARNING "closesem: wine64 not found; Windows tests are built but cannot run. "
                    "Install it with: apt-get install wine64 wine")
    return()
  endif()
  find_program(CLOSESEM_WINESERVER NAMES wineserver wineserver64 PATHS /usr/lib/wine
               NO_CMAKE_FIND_ROOT_PATH REQUIRED)
  set(CLOSESEM_WINEPREFIX "${CMAKE_BINARY_DIR}/wineprefix")
  configure_file("${PROJECT_SOURCE_DIR}/cmake/wine-run.in" "${CMAKE_BINARY_DIR}/wine-run"
                 @ONLY FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ
                 GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
  if(NOT EXISTS "${CLOSESEM_WINEPREFIX}/system.reg")
    message(STATUS "closesem: creating the Wine prefix ${CLOSESEM_WINEPREFIX} (about 10 s, once)")
    execute_process(COMMAND "${CMAKE_BINARY_DIR}/wine-run" --init RESULT_VARIABLE rc
                    OUTPUT_QUIET ERROR_QUIET TIMEOUT 300)
    if(NOT rc EQUAL 0)
      message(WARNING "closesem: creating the Wine prefix failed (${rc})")
    endif()
  endif()
  set(CMAKE_CROSSCOMPILING_EMULATOR "${CMAKE_BINARY_DIR}/wine-run" PARENT_SCOPE)
endfunction()
