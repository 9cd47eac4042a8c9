# Freezes the uasyncio package once, and `asyncio` as an alias of it.
# From a port's manifest:
#   include("/path/to/uaio/port/manifest.py")                   # default
#   include("/path/to/uaio/port/manifest.py", profile="lean")   # + make UAIO_PROFILE=lean
#   include("/path/to/uaio/port/manifest.py", extras=("queues",))
# Profiles (port/README.md): lean = the modern asyncio interface and streams,
# what stock asyncio offers; default = lean + the uasyncio 2.x layer;
# full = default + every subpackage. `extras` adds subpackages to any profile.
_SUBPACKAGES = ("queues", "semaphore", "synchro", "udp", "websocket")
_PROFILES = {
    "lean": (),
    "default": ("v2",),
    "full": ("v2",) + _SUBPACKAGES,
}

_profile = options.profile or "default"
if _profile not in _PROFILES:
    raise ValueError("uaio: unknown profile %r (lean, default or full)" % (_profile,))
_extras = options.extras or ()
if isinstance(_extras, str):
    _extras = (_extras,)
for _name in _extras:
    if _name not in _SUBPACKAGES:
        raise ValueError("uaio: unknown subpackage %r in extras (%s)" % (_name, ", ".join(_SUBPACKAGES)))

package("uasyncio", base_path="../python", opt=3)
# Each part is a folder python/<part>/ holding uasyncio/<part>..., the layout
# mip installs (python/<part>/package.json).
_parts = list(_PROFILES[_profile])
for _name in _extras:
    if _name not in _parts:
        _parts.append(_name)
for _name in _parts:
    package("uasyncio", base_path="../python/" + _name, opt=3)
module("asyncio.py", base_path="../python", opt=3)
