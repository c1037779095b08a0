# A local stand-in for python:3.11-slim-bookworm: Debian's Python 3.11 interpreter, with what the
# official slim image also installs for apps to rely on: CA certificates (outbound TLS),
# netbase (/etc/services, /etc/protocols) and tzdata.
ARG DEBIAN_IMAGE
FROM ${DEBIAN_IMAGE}
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 ca-certificates netbase tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && ln -s /usr/bin/python3 /usr/local/bin/python
CMD ["python3"]
