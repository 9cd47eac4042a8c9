# The full profile, as a user's manifest asks for it.
include("../../port/manifest.py", profile="full")
