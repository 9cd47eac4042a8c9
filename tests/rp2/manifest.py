# The rp2 port's manifest (boards/manifest.py) with uaio's package in place
# of extmod/asyncio.
freeze("$(PORT_DIR)/modules")
include("../../port/manifest.py", profile="full")
require("onewire")
require("ds18x20")
require("dht")
require("neopixel")
