// Pins the FerretDB release that engines/mongodb.sh builds; go.sum holds its checksum.
// Not a program of ours: the build copies this module's source out of Go's module cache,
// adds build/version/version.txt (which the published module lacks) and builds cmd/ferretdb.
module meridian.local/ferretdb

go 1.22

require github.com/FerretDB/FerretDB v1.24.0
