# uaio as a MicroPython user C module (CMake-based ports: esp32, rp2).
#   make -C ports/esp32 BOARD=ESP32_GENERIC_C3 USER_C_MODULES=/path/to/uaio/port \
#       FROZEN_MANIFEST=/path/to/a/manifest.py   (one that includes port/manifest.py)
# Included by MicroPython's py/usermod.cmake. The Rust core is built by cargo
# for UAIO_CARGO_TARGET (derived from IDF_TARGET or PICO_PLATFORM when unset)
# into UAIO_CARGO_TARGET_DIR. See port/README.md.

get_filename_component(UAIO_DIR "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)

set(UAIO_CARGO_TARGET "" CACHE STRING "Rust target triple of the uaio core (empty: derive from IDF_TARGET / PICO_PLATFORM)")
set(UAIO_CARGO_TOOLCHAIN "" CACHE STRING "rustup toolchain for the uaio core, e.g. esp (empty: default; esp for Xtensa)")
set(UAIO_CARGO_FLAGS "" CACHE STRING "Extra cargo arguments for the uaio core (Xtensa adds -Zbuild-std=core)")
# UAIO_PROFILE: -DUAIO_PROFILE=..., or make's UAIO_PROFILE=... (make exports
# command-line variables: the ports' Makefiles that run cmake pass it on).
if(DEFINED ENV{UAIO_PROFILE} AND NOT DEFINED CACHE{UAIO_PROFILE})
    set(UAIO_PROFILE "$ENV{UAIO_PROFILE}" CACHE STRING "uaio profile: lean, default or full (as the manifest's profile)")
endif()
set(UAIO_PROFILE "default" CACHE STRING "uaio profile: lean, default or full (as the manifest's profile)")
set(UAIO_CARGO_TARGET_DIR "${UAIO_DIR}/target" CACHE PATH "cargo --target-dir for the uaio core")

# The triple this build needs, kept out of the cache so that a different
# IDF_TARGET / board in the same build directory is followed.
set(_uaio_triple "${UAIO_CARGO_TARGET}")
if(NOT _uaio_triple AND DEFINED IDF_TARGET)
    if(IDF_TARGET MATCHES "^esp32c[23]$")
        set(_uaio_triple riscv32imc-unknown-none-elf)
    elseif(IDF_TARGET MATCHES "^esp32(c6|h2)$")
        set(_uaio_triple riscv32imac-unknown-none-elf)
    elseif(IDF_TARGET MATCHES "^esp32(s2|s3)?$")
        # Xtensa: only in Espressif's Rust fork, installed by espup (not on
        # crates.io or Debian) as the rustup toolchain "esp". Tier 3, so
        # core is built from source.
        set(_uaio_triple xtensa-${IDF_TARGET}-none-elf)
    endif()
elseif(NOT _uaio_triple AND DEFINED PICO_PLATFORM)
    # rp2: set by the board, or defaulted by pico_sdk_init(), both before
    # py/usermod.cmake is included.
    if(PICO_PLATFORM STREQUAL "rp2040")
        set(_uaio_triple thumbv6m-none-eabi)
    elseif(PICO_PLATFORM MATCHES "^rp2350(-arm-s|-arm-ns)?$")
        # The pico-sdk compiles Cortex-M33 code with -mfloat-abi=softfp
        # unless PICO_HARD_FLOAT_ABI: an eabihf archive would not link.
        if(PICO_HARD_FLOAT_ABI)
            set(_uaio_triple thumbv8m.main-none-eabihf)
        else()
            set(_uaio_triple thumbv8m.main-none-eabi)
        endif()
    elseif(PICO_PLATFORM STREQUAL "rp2350-riscv")
        set(_uaio_triple riscv32imac-unknown-none-elf)
    endif()
endif()
if(NOT _uaio_triple)
    if(DEFINED IDF_TARGET)
        set(_uaio_why "no Rust target known for IDF_TARGET=${IDF_TARGET}")
    elseif(DEFINED PICO_PLATFORM)
        set(_uaio_why "no Rust target known for PICO_PLATFORM=${PICO_PLATFORM} (board ${MICROPY_BOARD})")
    else()
        set(_uaio_why "neither IDF_TARGET (esp32) nor PICO_PLATFORM (rp2) is set")
    endif()
    message(FATAL_ERROR "uaio: ${_uaio_why}. Set UAIO_CARGO_TARGET to the "
        "CPU's Rust target triple, e.g. -DUAIO_CARGO_TARGET=riscv32imc-unknown-none-elf")
endif()

set(_uaio_toolchain "${UAIO_CARGO_TOOLCHAIN}")
separate_arguments(_uaio_flags UNIX_COMMAND "${UAIO_CARGO_FLAGS}")
if(_uaio_triple MATCHES "^xtensa-")
    if(NOT _uaio_toolchain)
        set(_uaio_toolchain esp)
    endif()
    if(NOT UAIO_CARGO_FLAGS)
        set(_uaio_flags -Zbuild-std=core)
    endif()
endif()

# lean leaves out the C that only the 2.x layer calls; full adds the C
# Stream (streamio.c), where lean and default use the package's Python one.
# A default/full manifest on a lean C module fails at import.
if(NOT UAIO_PROFILE MATCHES "^(lean|default|full)$")
    message(FATAL_ERROR "uaio: UAIO_PROFILE=${UAIO_PROFILE}: expected lean, default or full")
endif()
set(_uaio_defs)
set(_uaio_streamio)
if(UAIO_PROFILE STREQUAL "lean")
    set(_uaio_defs UAIO_PROFILE_LEAN=1)
elseif(UAIO_PROFILE STREQUAL "full")
    set(_uaio_defs UAIO_STREAMIO=1)
    set(_uaio_streamio ${UAIO_DIR}/csrc/streamio.c)
endif()

find_program(UAIO_CARGO cargo PATHS "$ENV{HOME}/.cargo/bin")
if(NOT UAIO_CARGO)
    message(FATAL_ERROR "uaio: cargo not found (install Rust with rustup, then the ${_uaio_triple} target)")
endif()

set(UAIO_LIB "${UAIO_CARGO_TARGET_DIR}/${_uaio_triple}/release/libuaio.a")
# Bare-metal targets build the core for size ("z": about 5% smaller than the
# release profile's "s" on thumbv6m/v7em).
set(UAIO_OPT_LEVEL "z" CACHE STRING "opt-level of the uaio core (empty: the release profile's)")
set(UAIO_CARGO_COMMAND "${UAIO_CARGO}")
if(UAIO_OPT_LEVEL)
    set(UAIO_CARGO_COMMAND ${CMAKE_COMMAND} -E env CARGO_PROFILE_RELEASE_OPT_LEVEL=${UAIO_OPT_LEVEL} "${UAIO_CARGO}")
endif()
if(_uaio_toolchain)
    list(APPEND UAIO_CARGO_COMMAND "+${_uaio_toolchain}")
endif()
list(APPEND UAIO_CARGO_COMMAND build --quiet --release -p uaio-staticlib
    --manifest-path "${UAIO_DIR}/Cargo.toml" --target-dir "${UAIO_CARGO_TARGET_DIR}"
    --target ${_uaio_triple} ${_uaio_flags})

# Always run: cargo decides whether anything changed. BYPRODUCTS tells Ninja
# (ESP-IDF's generator) which step produces the archive.
add_custom_target(uaio_cargo
    COMMAND ${UAIO_CARGO_COMMAND}
    BYPRODUCTS "${UAIO_LIB}"
    WORKING_DIRECTORY "${UAIO_DIR}"
    COMMENT "cargo: uaio core for ${_uaio_triple}"
    VERBATIM USES_TERMINAL)

# GLOBAL: ESP-IDF links the firmware in another directory than the component
# that includes this file. The dependency makes whatever links it wait for cargo.
add_library(uaio_core STATIC IMPORTED GLOBAL)
set_target_properties(uaio_core PROPERTIES IMPORTED_LOCATION "${UAIO_LIB}")
add_dependencies(uaio_core uaio_cargo)

add_library(usermod_uaio INTERFACE)
target_sources(usermod_uaio INTERFACE
    ${UAIO_DIR}/csrc/moduaio.c
    ${UAIO_DIR}/csrc/loop.c
    ${UAIO_DIR}/csrc/task.c
    ${UAIO_DIR}/csrc/sync.c
    ${_uaio_streamio}
    # These ports have a tick and an event wait: the idle wait sleeps in it.
    ${UAIO_DIR}/csrc/port_mpevent.c
)
target_include_directories(usermod_uaio INTERFACE ${UAIO_DIR}/include)
# uaio replaces MicroPython's own asyncio scheduler (_asyncio), for every
# source of the firmware (usermod's interface reaches the main target) ...
target_compile_definitions(usermod_uaio INTERFACE "MICROPY_PY_ASYNCIO=(0)" UAIO_MPEVENT=1 ${_uaio_defs})
# ... and for the qstr/module scan, which reads only the main target's own
# definitions plus this list: else it would register the absent _asyncio.
list(APPEND MICROPY_CPP_DEF_EXTRA "MICROPY_PY_ASYNCIO=(0)" UAIO_MPEVENT=1 ${_uaio_defs})

if(_uaio_triple MATCHES "^thumb")
    # Arm: the core's own objects, then the toolchain's libgcc, then Rust's
    # compiler_builtins only for what neither the firmware (pico-sdk's
    # wrapped division and memory functions) nor libgcc has
    # (port/split_lib.sh), and the RTABI memory helpers as calls to the
    # firmware's memcpy/memset (csrc/aeabi_mem.c): no second copy of either.
    set(_uaio_split "${CMAKE_CURRENT_BINARY_DIR}/uaio")
    add_custom_command(
        OUTPUT "${_uaio_split}/libuaio_core.a" "${_uaio_split}/libuaio_rt.a"
        COMMAND ${CMAKE_COMMAND} -E make_directory "${_uaio_split}"
        COMMAND sh "${UAIO_DIR}/port/split_lib.sh" "${CMAKE_AR}" "${UAIO_LIB}" "${_uaio_split}"
        DEPENDS uaio_cargo "${UAIO_LIB}"
        COMMENT "uaio: core and compiler_builtins apart"
        VERBATIM)
    add_custom_target(uaio_split DEPENDS "${_uaio_split}/libuaio_core.a" "${_uaio_split}/libuaio_rt.a")
    add_library(uaio_core_only STATIC IMPORTED GLOBAL)
    set_target_properties(uaio_core_only PROPERTIES IMPORTED_LOCATION "${_uaio_split}/libuaio_core.a")
    add_dependencies(uaio_core_only uaio_split)
    add_library(uaio_rt STATIC IMPORTED GLOBAL)
    set_target_properties(uaio_rt PROPERTIES IMPORTED_LOCATION "${_uaio_split}/libuaio_rt.a")
    add_dependencies(uaio_rt uaio_split)
    target_sources(usermod_uaio INTERFACE ${UAIO_DIR}/csrc/aeabi_mem.c)
    # The archives follow the module's objects on the firmware's link line.
    target_link_libraries(usermod INTERFACE usermod_uaio uaio_core_only gcc uaio_rt)
else()
    # The archive follows the module's objects on the firmware's link line.
    target_link_libraries(usermod INTERFACE usermod_uaio uaio_core)
endif()
