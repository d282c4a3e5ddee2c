# Shared set-up for scripts/run and scripts/test: installs the Debian
# packages Beatbook needs (when missing), then configures and builds.
# Sourced, not run.

# The Debian 12 packages the build, the tests and the benchmarks need.
BEATBOOK_PACKAGES=(
  build-essential cmake ninja-build pkg-config clang-14
  qt6-base-dev qt6-base-dev-tools
  libsqlite3-dev libssl-dev libboost1.81-dev
  nlohmann-json3-dev libcli11-dev libbenchmark-dev
  libprotobuf-dev protobuf-compiler libqrencode-dev libpng-dev libspdlog-dev
  libclang-rt-14-dev libzbar-dev zbar-tools
)

beatbook_log() { printf '[beatbook] %s\n' "$*" >&2; }

beatbook_install_packages() {
  local missing=()
  local pkg
  for pkg in "${BEATBOOK_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0

  beatbook_log "installing ${#missing[@]} missing Debian package(s): ${missing[*]}"
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
      sudo=(sudo -n)
    else
      beatbook_log "error: need root (or sudo) to install: ${missing[*]}"
      return 1
    fi
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq </dev/null || { beatbook_log "error: apt-get update failed"; return 1; }
  "${sudo[@]}" apt-get install -y -qq "${missing[@]}" </dev/null \
    || { beatbook_log "error: apt-get install failed for: ${missing[*]}"; return 1; }
}

# beatbook_build PRESET [TARGET...]: configure (first time) and build.
beatbook_build() {
  local preset=$1; shift
  local dir
  case "$preset" in
    debug) dir=build ;;
    *) dir=build-$preset ;;
  esac
  if [ ! -f "$dir/build.ninja" ]; then
    beatbook_log "configuring ($preset) in $dir/"
    cmake --preset "$preset" >"${TMPDIR:-/tmp}/beatbook-configure-$preset.log" 2>&1 \
      || { cat "${TMPDIR:-/tmp}/beatbook-configure-$preset.log" >&2; return 1; }
  fi
  beatbook_log "building ($preset)"
  if [ $# -gt 0 ]; then
    cmake --build "$dir" --parallel "$(nproc)" --target "$@"
  else
    cmake --build "$dir" --parallel "$(nproc)"
  fi
}
