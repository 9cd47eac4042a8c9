# Freezes the uasyncio package once, and `asyncio` as an alias of it.
# Include from a port's manifest: include("/path/to/uaio/port/manifest.py")
package("uasyncio", base_path="../python", opt=3)
module("asyncio.py", base_path="../python", opt=3)
