#!/bin/sh
# As the official image does: without a config file, a containerised redis-server listens on
# every interface with protected mode off (the network, not redis, decides who reaches it).
set -e
if [ "$1" = "redis-server" ]; then
  shift
  exec redis-server --bind "* -::*" --protected-mode no "$@"
fi
exec "$@"
