# syntax=docker/dockerfile:1
#
# Meeting Intelligence: one static binary on a minimal, non-root image.
#
#   docker build --build-arg VERSION=$(git rev-parse --short HEAD) -t meetingintel .
#   docker run -p 8080:8080 -v mi-data:/data meetingintel              # SQLite in the volume
#   docker run -p 8080:8080 -e DATABASE_URL=postgres://... meetingintel   # PostgreSQL
#
# The database comes from DATABASE_URL, which defaults to a SQLite file in
# the /data volume; any DATABASE_URL given at run time (deploy.sh sets one
# from a Container Apps secret) replaces it. The command is plain `serve`
# on purpose: a --db flag would win over DATABASE_URL (DESIGN §3) and pin
# every deployment to SQLite.

ARG GO_VERSION=1.26

FROM golang:${GO_VERSION} AS build
WORKDIR /src
# Modules first, so source edits do not download them again.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
# CGO off: the SQLite driver is pure Go, so the binary is static and runs on
# an image without libc. -trimpath keeps this machine's paths out of it.
RUN CGO_ENABLED=0 GOFLAGS=-buildvcs=false \
    go build -trimpath -ldflags "-s -w -X main.Version=${VERSION}" \
      -o /out/meetingintel ./cmd/meetingintel \
 && /out/meetingintel version \
 && mkdir -p /out/data

# distroless static: CA certificates, tzdata, /etc/passwd with the nonroot
# user (65532), and no shell or package manager to attack.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/meetingintel /meetingintel
# An empty /data owned by nonroot: a new named volume copies this ownership,
# so the server can create its database there.
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
ENV ADDR=0.0.0.0:8080 \
    DATABASE_URL=sqlite:/data/meetingintel.db
VOLUME ["/data"]
EXPOSE 8080
# The image has no curl: the binary checks itself (GET /healthz on $ADDR's
# port). Azure Container Apps ignores HEALTHCHECK and uses its own probes
# (deploy.sh sets them on /healthz and /readyz); Docker and Compose use it.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["/meetingintel", "healthcheck"]
ENTRYPOINT ["/meetingintel"]
CMD ["serve"]
