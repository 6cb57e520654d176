# Multi-stage build: one image holds both binaries (hoursync and the QBO emulator).
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/hoursync ./cmd/hoursync \
 && CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/qbo-emulator ./cmd/qbo-emulator

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/hoursync /usr/local/bin/hoursync
COPY --from=build /out/qbo-emulator /usr/local/bin/qbo-emulator
EXPOSE 8080 9091 8090
ENTRYPOINT ["/usr/local/bin/hoursync"]
