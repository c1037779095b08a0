# A local stand-in for python:3.11-bookworm: Debian's Python 3.11 with the build toolchain
# and the MariaDB client headers mysqlclient compiles against.
ARG DEBIAN_IMAGE
FROM ${DEBIAN_IMAGE}
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        python3 python3-dev python3-venv python3-pip \
        build-essential pkg-config libmariadb-dev ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && ln -s /usr/bin/python3 /usr/local/bin/python
CMD ["python3"]
