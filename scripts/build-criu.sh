#!/usr/bin/env bash
# Builds CRIU 4.2.1 from Debian's source, for the cold-start benchmark's SnapStart restore
# (docs/cold-start-and-packaging.md). Debian 12 ships CRIU 3.17, which cannot checkpoint a
# process on kernels from 6.13 (it does not know their vDSO layout). Needs root: apt-get here,
# and CRIU itself when the benchmark runs. Prints the path to pass as -Dcriu=.
set -euo pipefail

version=4.2.1
sha256=29ec0ee09e296479fe7048c80980e8ef1d0684d0b0204c2b101dfea19f6725b9
home="${CRIU_HOME:-$HOME/.cache/criu-$version}"

if [ ! -x "$home/criu-$version/criu/criu" ]; then
  apt-get install -y --no-install-recommends gcc make pkg-config curl xz-utils libprotobuf-c-dev protobuf-c-compiler \
    libprotobuf-dev protobuf-compiler python3-protobuf libnl-3-dev libnet1-dev libcap-dev libbsd-dev \
    libgnutls28-dev libnftables-dev libaio-dev libdrm-dev uuid-dev >&2
  mkdir -p "$home"
  curl -fsSL -o "$home/criu_$version.orig.tar.xz" "http://deb.debian.org/debian/pool/main/c/criu/criu_$version.orig.tar.xz"
  echo "$sha256  $home/criu_$version.orig.tar.xz" | sha256sum -c - >&2
  tar -xJf "$home/criu_$version.orig.tar.xz" -C "$home"
  make -C "$home/criu-$version" -j"$(nproc)" criu >&2
fi
"$home/criu-$version/criu/criu" check >&2
echo "$home/criu-$version/criu/criu"
