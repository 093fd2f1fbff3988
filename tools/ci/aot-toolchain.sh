#!/usr/bin/env bash
# Installs what the bundled handlers' Native AOT build and their protocol tests need, when missing (Debian packages):
#   clang, lld                                  the linker driver and linker ILCompiler uses
#   gcc-aarch64-linux-gnu, binutils-aarch64-linux-gnu, libc6-dev-arm64-cross
#                                               the arm64 sysroot (crt objects, libc, libgcc) for linux-arm64
#   qemu-user-static                            runs the arm64 `bootstrap` executables in the protocol tests
#   libc6:arm64, libssl3:arm64, libstdc++6:arm64
#                                               what those executables load at run time, as on provided.al2023:
#                                               glibc, OpenSSL (request signing, TLS) and libstdc++ (libSkiaSharp);
#                                               installed as a foreign architecture (dpkg --add-architecture arm64),
#                                               so qemu finds them at their usual paths without QEMU_LD_PREFIX
# Already installed: nothing happens (and nothing is printed but one line).
set -euo pipefail
packages=(clang lld gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static
  libc6:arm64 libssl3:arm64 libstdc++6:arm64)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "aot-toolchain: clang $(clang -dumpversion), lld, the aarch64 cross sysroot, arm64 runtime libraries and qemu-aarch64-static are installed"
  exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "aot-toolchain: missing ${missing[*]}; run as root or install them: dpkg --add-architecture arm64 && apt-get update && apt-get install ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
log=/tmp/aot-toolchain-apt.log
: >"$log"
updated=false
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  $sudo dpkg --add-architecture arm64
  # The arm64 package lists only exist after an update.
  $sudo apt-get update -q >>"$log" 2>&1 || { cat "$log" >&2; echo "aot-toolchain: apt-get update failed" >&2; exit 1; }
  updated=true
fi
install() { $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >>"$log" 2>&1; }
# Package lists may be missing or stale on a fresh machine: update once and retry.
if ! install; then
  $updated || $sudo apt-get update -q >>"$log" 2>&1 || true
  install || { cat "$log" >&2; echo "aot-toolchain: apt-get install ${missing[*]} failed" >&2; exit 1; }
fi
echo "aot-toolchain: installed ${missing[*]}"
