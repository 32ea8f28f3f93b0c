#!/bin/bash
# workerd with V8 flags (KUBEDO_V8_FLAGS) added to the config miniflare pipes in; run as
# MINIFLARE_WORKERD_PATH by the benchmarks. exec, so miniflare's signals reach workerd itself.
here="$(cd "$(dirname "$0")" && pwd)"
workerd="$(cd "$here" && node -p 'require("workerd").default')"
# shellcheck disable=SC2086 # the flags are words
exec "$workerd" "$@" < <(node "$here/v8flags.mjs" $KUBEDO_V8_FLAGS)
