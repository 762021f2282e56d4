#!/usr/bin/env bash
# Acceptance: build Saleor's official storefront (Paper) against a running bizgraph and drive it in
# Chromium as a shopper (journey.mjs). See NOTES.md.
#
#   BIZGRAPH_BIN=/path/to/bizgraph tests/storefront/run.sh
#
# Env:
#   BIZGRAPH_BIN           server binary (required; copy target/debug/bizgraph somewhere private first if
#                          cargo may rewrite it while the suite runs)
#   BIZGRAPH_DATABASE_URL  optional; default: a fresh SQLite file per run (created with --demo)
#   BIZGRAPH_ADMIN_EMAIL / BIZGRAPH_ADMIN_PASSWORD  first staff user (default admin@example.com /
#                          storefront-admin-pass); journey.mjs uses it to create the mailer app + webhook
#   SF_SOURCE              storefront source (default: <project>/../shared/reference/saleor-storefront)
#   SF_WORK_DIR            work dir, reused between runs (default: <project>/target/storefront-work)
#   SF_API_PORT            port of the logging GraphQL proxy the storefront is built against (default 18001;
#                          NEXT_PUBLIC_* values are inlined at build time, so a change forces a rebuild)
#   SF_PORT                storefront port (default 3100)
#   SF_FORCE_BUILD=1       rebuild even when sources, schema and env are unchanged
#   CHROMIUM               browser binary (default /usr/bin/chromium; `apt-get install -y chromium`)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
: "${BIZGRAPH_BIN:?set BIZGRAPH_BIN to the bizgraph server binary}"
BIZGRAPH_BIN="$(readlink -f "$BIZGRAPH_BIN")"
SF_SOURCE="${SF_SOURCE:-$ROOT/../shared/reference/saleor-storefront}"
WORK="${SF_WORK_DIR:-$ROOT/target/storefront-work}"
APP="$WORK/app"
API_PORT="${SF_API_PORT:-18001}"
SF_PORT="${SF_PORT:-3100}"
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
RUN="$WORK/runs/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$RUN"
ln -sfn "$RUN" "$WORK/runs/latest"
TIMINGS="$RUN/timings.txt"
log() { printf '[storefront %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
timed() { # timed <label> <cmd...>: run, append "<label> <seconds>s" to timings
	local label="$1" start=$SECONDS rc=0
	shift
	"$@" || rc=$?
	echo "$label $((SECONDS - start))s rc=$rc" >>"$TIMINGS"
	return $rc
}

PIDS=()
cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
	wait 2>/dev/null || true
}
trap cleanup EXIT

free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
wait_http() { # wait_http <url> <seconds>
	local i
	for ((i = 0; i < $2 * 2; i++)); do
		[[ "$(curl -s -o /dev/null -w '%{http_code}' "$1" 2>/dev/null)" =~ ^[1-5] ]] && return 0
		sleep 0.5
	done
	log "timed out waiting for $1"
	return 1
}
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

[[ -x "$CHROMIUM" ]] || { log "no browser at $CHROMIUM (apt-get install -y chromium)"; exit 2; }
for p in "$API_PORT" "$SF_PORT"; do
	if port_busy "$p"; then log "port $p is in use (set SF_API_PORT / SF_PORT)"; exit 2; fi
done

# ---- (a) storefront source -> work dir (only changed files are copied; build output kept) -------------
log "syncing $SF_SOURCE -> $APP"
mkdir -p "$APP"
rsync -a --delete --chmod=u+w \
	--exclude node_modules --exclude .next --exclude next-env.d.ts \
	--exclude src/gql --exclude src/checkout/graphql/generated --exclude /schema.graphql \
	"$SF_SOURCE/" "$APP/"

# ---- (b) dependencies (pnpm version from package.json "packageManager") ------------------------------
PNPM_VERSION="$(node -p 'require(process.argv[1]).packageManager.split("@")[1]' "$APP/package.json")"
PNPM=(npx -y "pnpm@$PNPM_VERSION")
NODE_WANTED="$(node -p 'require(process.argv[1]).engines?.node ?? ""' "$APP/package.json")"
log "node $(node -v) (storefront engines.node: ${NODE_WANTED:-any}), pnpm $PNPM_VERSION"
LOCK_HASH="$(cat "$APP/pnpm-lock.yaml" "$APP/package.json" "$APP/pnpm-workspace.yaml" | sha256sum | cut -c1-16)"
if [[ "$(cat "$WORK/.deps-stamp" 2>/dev/null)" != "$LOCK_HASH" || ! -d "$APP/node_modules" ]]; then
	log "pnpm install (frozen lockfile, prefer offline)"
	(cd "$APP" && HUSKY=0 timed "pnpm-install" "${PNPM[@]}" install --frozen-lockfile --prefer-offline) >"$RUN/pnpm-install.log" 2>&1 \
		|| { log "pnpm install failed, see $RUN/pnpm-install.log"; tail -20 "$RUN/pnpm-install.log" >&2; exit 1; }
	echo "$LOCK_HASH" >"$WORK/.deps-stamp"
else
	echo "pnpm-install skipped (unchanged)" >>"$TIMINGS"
fi
(cd "$HERE" && [[ -d node_modules/playwright-core ]] || npm ci --no-audit --no-fund >/dev/null)

# ---- (c) bizgraph on a free port, fresh SQLite + demo data, behind the logging proxy ----------------
BG_PORT="$(free_port)"
DB_URL="${BIZGRAPH_DATABASE_URL:-sqlite://$RUN/bizgraph.db?mode=rwc}"
ADMIN_EMAIL="${BIZGRAPH_ADMIN_EMAIL:-admin@example.com}"
ADMIN_PASSWORD="${BIZGRAPH_ADMIN_PASSWORD:-storefront-admin-pass}"
# The master key PostgreSQL deployments must set (SQLite generates one next to its file).
SECRET_KEY="${BIZGRAPH_SECRET_KEY:-$(head -c 32 /dev/urandom | base64)}"
# Account journey: the confirmation e-mail is an app webhook (ACCOUNT_CONFIRMATION_REQUESTED) to a receiver
# on loopback in journey.mjs, hence BIZGRAPH_WEBHOOK_ALLOW_PRIVATE_TARGETS. No development mode: the
# server runs as in production.
# BIZGRAPH_PUBLIC_URL = the proxy, which is the API URL the storefront uses: tokens' `iss` is
# <public url>/graphql/, and @saleor/auth-sdk only sends `Authorization` when `iss` equals the request URL.
log "bizgraph $BIZGRAPH_BIN on 127.0.0.1:$BG_PORT ($DB_URL)"
(cd "$RUN" && DATABASE_URL="$DB_URL" BIZGRAPH_BIND="127.0.0.1:$BG_PORT" BIZGRAPH_LOG_FORMAT=json \
	BIZGRAPH_ADMIN_EMAIL="$ADMIN_EMAIL" BIZGRAPH_ADMIN_PASSWORD="$ADMIN_PASSWORD" RUST_LOG="${RUST_LOG:-info}" \
	BIZGRAPH_WEBHOOK_ALLOW_PRIVATE_TARGETS=true BIZGRAPH_PUBLIC_URL="http://127.0.0.1:$API_PORT" \
	BIZGRAPH_SECRET_KEY="$SECRET_KEY" \
	exec "$BIZGRAPH_BIN" serve --demo) >"$RUN/bizgraph.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$BG_PORT/health/live" 60

# Every GraphQL exchange (storefront server, browser, codegen) is appended to gql.jsonl; the proxy also
# serves the placeholder font of the offline next/font/google mock (font-mock.cjs).
API_URL="http://127.0.0.1:$API_PORT/graphql/"
SF_FONT_FILE="$APP/node_modules/geist/dist/fonts/geist-sans/Geist-Regular.woff2" \
	node "$HERE/gql-proxy.mjs" "$API_PORT" "http://127.0.0.1:$BG_PORT" "$RUN/gql.jsonl" >"$RUN/proxy.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$API_PORT/health/live" 20

# ---- (d) codegen + next build ----------------------------------------------------------------------
export NEXT_PUBLIC_SALEOR_API_URL="$API_URL"
export NEXT_PUBLIC_DEFAULT_CHANNEL="${NEXT_PUBLIC_DEFAULT_CHANNEL:-default-channel}"
export NEXT_PUBLIC_STOREFRONT_URL="http://127.0.0.1:$SF_PORT"
export ALLOW_DUMMY_PAYMENT=true NEXT_PUBLIC_ALLOW_DUMMY_PAYMENT=true # dummy gateway in a production build
export NEXT_TELEMETRY_DISABLED=1
export NEXT_FONT_GOOGLE_MOCKED_RESPONSES="$HERE/font-mock.cjs" # offline: no fonts.googleapis.com
export SF_FONT_MOCK_URL="http://127.0.0.1:$API_PORT/__font-mock.woff2"

# Types come from bizgraph's SDL through the storefront's own switch: .graphqlrc.ts reads ./schema.graphql
# when GITHUB_ACTION=generate-schema-from-file (its update_types workflow). The checkout config
# (src/checkout/graphql/codegen.ts) has no such switch; its schema is NEXT_PUBLIC_SALEOR_API_URL, so that
# step alone gets the same file there. (No introspection: see NOTES.md.)
"$BIZGRAPH_BIN" export-schema >"$RUN/bizgraph-schema.graphql" 2>"$RUN/export-schema.err" \
	|| { log "bizgraph export-schema failed:"; cat "$RUN/export-schema.err" >&2; exit 1; }
cp "$RUN/bizgraph-schema.graphql" "$APP/schema.graphql"
log "codegen from bizgraph export-schema ($(wc -c <"$APP/schema.graphql") bytes)"
codegen() {
	GITHUB_ACTION=generate-schema-from-file "${PNPM[@]}" run generate \
		&& NEXT_PUBLIC_SALEOR_API_URL=schema.graphql "${PNPM[@]}" run generate:checkout
}
(cd "$APP" && timed "codegen" codegen) >"$RUN/codegen.log" 2>&1 \
	|| { log "codegen failed (see $RUN/codegen.log):"; grep -E "Error [0-9]+:|✖" "$RUN/codegen.log" | head -12 >&2; exit 1; }

BUILD_HASH="$( (cd "$APP" && find src messages public next.config.js package.json -type f -print0 | sort -z | xargs -0 sha256sum; env | grep -E '^(NEXT_PUBLIC_|ALLOW_DUMMY)' | sort) | sha256sum | cut -c1-16)"
if [[ "${SF_FORCE_BUILD:-0}" == 1 || "$(cat "$WORK/.build-stamp" 2>/dev/null)" != "$BUILD_HASH" || ! -f "$APP/.next/BUILD_ID" ]]; then
	log "next build"
	# `next build` directly: the package's "build" script would rerun codegen (prebuild) against the URL
	(cd "$APP" && timed "next-build" ./node_modules/.bin/next build) >"$RUN/next-build.log" 2>&1 \
		|| { log "next build failed, see $RUN/next-build.log"; grep -v '^\s*$' "$RUN/next-build.log" | tail -40 >&2; exit 1; }
	echo "$BUILD_HASH" >"$WORK/.build-stamp"
else
	echo "next-build skipped (unchanged)" >>"$TIMINGS"
fi

# ---- (e) next start ---------------------------------------------------------------------------------
log "next start on 127.0.0.1:$SF_PORT"
(cd "$APP" && exec ./node_modules/.bin/next start -p "$SF_PORT" -H 127.0.0.1) >"$RUN/next-start.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$SF_PORT/" 60

# ---- (f) the shopper journey ------------------------------------------------------------------------
log "journey (artifacts in $RUN/artifacts)"
rc=0
(cd "$HERE" && SF_URL="http://127.0.0.1:$SF_PORT" SF_ARTIFACTS="$RUN/artifacts" CHROMIUM="$CHROMIUM" \
	SF_API_URL="$API_URL" SF_ADMIN_EMAIL="$ADMIN_EMAIL" SF_ADMIN_PASSWORD="$ADMIN_PASSWORD" \
	timed "journey" node journey.mjs) || rc=$?

# ---- report: GraphQL errors seen by the proxy, storefront server errors ------------------------------
node -e '
const fs = require("fs");
const lines = fs.existsSync(process.argv[1]) ? fs.readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean) : [];
let n = 0;
for (const l of lines) {
  const d = JSON.parse(l);
  if (!d.hasErrors) continue;
  n++;
  const ops = Array.isArray(d.request) ? d.request.map((r) => r.operationName).join(",") : "?";
  console.log(`GraphQL error #${d.seq} ${ops} (${d.from}, HTTP ${d.status}): ${JSON.stringify(d.errors).slice(0, 600)}`);
}
console.log(`${lines.length} GraphQL exchanges, ${n} with errors (full requests/responses: ${process.argv[1]})`);
' "$RUN/gql.jsonl" | tee "$RUN/graphql-errors.txt" >&2
grep -E '⨯|Error:' "$RUN/next-start.log" | grep -v -E 'ENOTFOUND|fetch failed' | sort | uniq -c | head -20 >"$RUN/next-server-errors.txt" || true
log "timings: $(tr '\n' ';' <"$TIMINGS")"
log "run dir: $RUN (bizgraph.log, gql.jsonl, next-build.log, next-start.log, artifacts/)"
exit $rc
