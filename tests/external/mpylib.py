"""The micropython-lib packages the suite needs, copied from the unpacked
micropython-lib tree into one folder that goes on MICROPYPATH (what `mip
install` would put in a board's /lib, without the network)."""

import os
import shutil

# (path in micropython-lib, name on MICROPYPATH): a module file or a package folder.
PACKAGES = [
    ("python-stdlib/unittest/unittest", "unittest"),  # Microdot's test suite
    ("python-stdlib/hmac/hmac.py", "hmac.py"),  # Microdot's sessions (jwt)
    ("python-stdlib/datetime/datetime.py", "datetime.py"),
    ("python-ecosys/pyjwt/jwt.py", "jwt.py"),
    ("micropython/aiorepl/aiorepl.py", "aiorepl.py"),
    ("micropython/aioespnow/aioespnow.py", "aioespnow.py"),
    ("python-ecosys/aiohttp/aiohttp", "aiohttp"),
]


def assemble(mpylib_root, dest):
    """Fill DEST (emptied first) with PACKAGES from MPYLIB_ROOT."""
    shutil.rmtree(dest, ignore_errors=True)
    os.makedirs(dest)
    for src, name in PACKAGES:
        path = os.path.join(mpylib_root, src)
        if os.path.isdir(path):
            shutil.copytree(path, os.path.join(dest, name),
                            ignore=shutil.ignore_patterns("test_*", "tests"))
        elif os.path.isfile(path):
            shutil.copy(path, os.path.join(dest, name))
        else:
            raise FileNotFoundError("micropython-lib has no %s (in %s)" % (src, mpylib_root))
