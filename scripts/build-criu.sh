#!/usr/bin/env bash
# Builds CRIU 4.2.1 from Debian's source, for the cold-start benchmark's SnapStart restore
# (docs/cold-start-and-packaging.md). Debian 12 ships CRIU 3.17, which cannot checkpoint a
# process on kernels from 6.13 (it does not know their vDSO layout). Needs root: apt-get here,
# and CRIU itself when the benchmark runs. The source comes through apt as the machine configures it:
# a deb-src entry of a suite that carries CRIU 4.2.1 must be enabled (apt-get source). Prints the
# path to pass as -Dcriu=.
set -euo pipefail

version=4.2.1
sha256=29ec0ee09e296479fe7048c80980e8ef1d0684d0b0204c2b101dfea19f6725b9
home="${CRIU_HOME:-$HOME/.cache/criu-$version}"

if [ ! -x "$home/criu-$version/criu/criu" ]; then
  apt-get install -y --no-install-recommends gcc make pkg-config xz-utils libprotobuf-c-dev protobuf-c-compiler \
    libprotobuf-dev protobuf-compiler python3-protobuf libnl-3-dev libnet1-dev libcap-dev libbsd-dev \
    libgnutls28-dev libnftables-dev libaio-dev libdrm-dev uuid-dev >&2
  mkdir -p "$home"
  apt-get update >&2
  (cd "$home" && apt-get source --download-only criu >&2)
  if [ ! -f "$home/criu_$version.orig.tar.xz" ]; then
    echo "apt's source lists offer no CRIU $version (found: $(cd "$home" && ls criu_*.orig.tar.* 2>/dev/null || echo none));" \
      "enable a deb-src entry for a suite that carries it, then run this again" >&2
    exit 1
  fi
  echo "$sha256  $home/criu_$version.orig.tar.xz" | sha256sum -c - >&2
  tar -xJf "$home/criu_$version.orig.tar.xz" -C "$home"
  make -C "$home/criu-$version" -j"$(nproc)" criu >&2
fi
"$home/criu-$version/criu/criu" check >&2
echo "$home/criu-$version/criu/criu"
