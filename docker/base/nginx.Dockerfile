# A local stand-in for nginx:1.27-bookworm: Debian's nginx, as the reverse proxy the zero-downtime
# test puts in front of the app's replicas (an ingress controller is nginx too). Configuration
# goes in /etc/nginx/conf.d/, as in the official image.
ARG DEBIAN_IMAGE
FROM ${DEBIAN_IMAGE}
RUN apt-get update \
    && apt-get install -y --no-install-recommends nginx \
    && rm -rf /var/lib/apt/lists/* /etc/nginx/sites-enabled/default \
    && ln -sf /dev/stdout /var/log/nginx/access.log \
    && ln -sf /dev/stderr /var/log/nginx/error.log
EXPOSE 80
STOPSIGNAL SIGQUIT
CMD ["nginx", "-g", "daemon off;"]
