# Sourced by scripts that fetch Debian packages without touching /etc: a
# private apt configuration in a temporary folder $work (removed on exit),
# reusing the first Debian mirror named in the machine's apt sources.
#   apt_private NAME "LINE" ["LINE" ...]
# LINE: a sources.list line without its URI, e.g. "deb-src trixie main".
# Sets `work` and the array `APT` (options for apt-get / apt-cache), runs
# apt-get update. NAME prefixes error messages.
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

apt_private() {
  local name=$1 mirror line
  shift
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  # The first Debian archive URI in the machine's apt sources (deb822 or one-line).
  mirror=$( { grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}';
              grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list |
                sed 's/\[[^]]*\]//' | awk '{print $2}'; } 2>/dev/null |
            grep -E '/debian/?$' | head -n 1 || true)
  [ -n "$mirror" ] || { echo "$name: no Debian mirror found in the apt sources" >&2; exit 1; }
  mkdir -p "$work/lists/partial" "$work/archives/partial"
  for line in "$@"; do
    set -- $line
    echo "$1 [signed-by=$KEYRING] ${mirror%/} ${*:2}"
  done > "$work/sources.list"
  APT=(-o Dir::Etc::SourceList="$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
       -o Dir::State::Lists="$work/lists" -o Dir::Cache::Archives="$work/archives"
       -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
  apt-get "${APT[@]}" update -qq
}
