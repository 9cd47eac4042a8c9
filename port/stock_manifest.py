# Stock MicroPython with its own asyncio frozen: the baseline build/stock
# is compared against. (The unix default manifest needs packages that
# Debian's source package strips.)
include("$(MPY_DIR)/extmod/asyncio")
