#!/bin/sh
# The nginx image's template step: each /etc/nginx/templates/X.template becomes
# /etc/nginx/conf.d/X, with only the environment's own variables substituted.
set -e
if [ "$1" = "nginx" ]; then
  defined=$(env | cut -d= -f1 | sed 's/^/${/; s/$/}/' | tr '\n' ' ')
  for template in /etc/nginx/templates/*.template; do
    [ -e "$template" ] || continue
    output="/etc/nginx/conf.d/$(basename "$template" .template)"
    envsubst "$defined" < "$template" > "$output"
    echo "rendered $template to $output"
  done
fi
exec "$@"
