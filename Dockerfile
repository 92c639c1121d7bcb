# SPDX-License-Identifier: GPL-2.0-or-later
# A small image for CI: shakedown from this checkout, built as its Debian
# package and installed in debian:12-slim with only its run-time libraries.
#   docker build -t shakedown .
#   docker run --rm -v "$PWD:/data" shakedown --check /data
#   docker run --rm -v "$PWD:/data" shakedown -r /data/capture.pcap --json
# Live capture from a container needs --net=host --cap-add NET_RAW --cap-add NET_ADMIN.

FROM debian:12-slim AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake pkg-config libpcap-dev libnids-dev libssl-dev libncurses-dev dpkg-dev file \
 && rm -rf /var/lib/apt/lists/*
COPY . /src
RUN cmake -S /src -B /build -DBUILD_TESTING=OFF -DCMAKE_BUILD_TYPE=Release \
 && cmake --build /build -j"$(nproc)" \
 && cd /build && cpack -G DEB -B /pkg

FROM debian:12-slim
COPY --from=build /pkg/*.deb /tmp/
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends /tmp/shakedown_*.deb \
 && rm -rf /var/lib/apt/lists/* /tmp/*.deb \
 && shakedown --version
WORKDIR /data
ENTRYPOINT ["shakedown"]
CMD ["--help"]
