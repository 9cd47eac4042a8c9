# The stm32 port's manifest (boards/manifest.py) with uaio's package in place
# of extmod/asyncio.
include("../../port/manifest.py", profile="full")
require("dht")
require("onewire")
