# A local stand-in for registry:2: Debian's docker-registry (the same distribution/distribution).
ARG DEBIAN_IMAGE
FROM ${DEBIAN_IMAGE}
RUN apt-get update \
    && apt-get install -y --no-install-recommends docker-registry apache2-utils \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /var/lib/registry
COPY registry-config.yml /etc/docker/registry/config.yml
VOLUME /var/lib/registry
EXPOSE 5000
ENTRYPOINT ["/usr/bin/docker-registry"]
CMD ["serve", "/etc/docker/registry/config.yml"]
