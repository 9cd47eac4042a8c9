# make size: the no-asyncio rp2 image (mk/size.mk) passes this file as
# USER_C_MODULES. It adds no code: it only switches MicroPython's _asyncio off
# for every source and for the qstr/module scan, as port/micropython.cmake does.
add_library(usermod_size_noasyncio INTERFACE)
target_compile_definitions(usermod_size_noasyncio INTERFACE "MICROPY_PY_ASYNCIO=(0)")
list(APPEND MICROPY_CPP_DEF_EXTRA "MICROPY_PY_ASYNCIO=(0)")
target_link_libraries(usermod INTERFACE usermod_size_noasyncio)
