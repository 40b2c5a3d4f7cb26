// Pins the Docker Compose v2 CLI plugin that deploy/docker/compose_plugin.sh builds, for
// validating deploy/docker-compose.yml with `docker compose config` where none is installed.
module meridian.local/compose-plugin

go 1.24.9

require github.com/docker/compose/v2 v2.40.3 // indirect
