#!/usr/bin/env bash
# The web app's speed on the demo scenario scaled up: server-side render time (p50/p95/p99)
# of the overview, the explorer and the inbox; `wrk` throughput against the overview; and how
# soon an inquiry posted to the webhook shows in the inbox.
#
#   bench/web.sh                          # 10,000,000 items, built once in bench-data/web-10000000
#   ITEMS=20000 DIR=/tmp/web bench/web.sh # a quick run
#
# Environment: ITEMS (10000000), DIR (bench-data/web-$ITEMS), N requests per page (200),
# WRK_SECONDS (30), WRK_CONNECTIONS (50), INBOX_WAIT_SECONDS (30), CARGO_TARGET_DIR.
# Needs curl and python3; installs wrk with apt-get when it is missing.
#
# The data folder is built once per size (a marker file records it) and reused after. To
# attach a webhook source to the demo workspace, the run writes a config file that repeats
# the workspace's brands (read from the store) with one `webhook` source, so in this folder
# the workspace is no longer marked synthetic.
set -euo pipefail
cd "$(dirname "$0")/.."

ITEMS=${ITEMS:-10000000}
DIR=${DIR:-bench-data/web-$ITEMS}
N=${N:-200}
WRK_SECONDS=${WRK_SECONDS:-30}
WRK_CONNECTIONS=${WRK_CONNECTIONS:-50}
INBOX_WAIT_SECONDS=${INBOX_WAIT_SECONDS:-30}
WS=havbris-demo
LOGIN=demo@omdomme.example
BIN="${CARGO_TARGET_DIR:-target}/release/omdomme"
MARKER="$DIR/.bench-web-items"
PASSWORD_FILE="$DIR/.bench-web-login"

# The pages measured: "label|path". Filters use the explorer's query parameters.
PAGES=(
    "overview|/w/$WS/overview"
    "overview 30 days|/w/$WS/overview?range=30d"
    "explorer klima|/w/$WS/explorer?q=klima"
    "explorer leverandør, negative|/w/$WS/explorer?q=leverand%C3%B8r&sentiment=negative"
    "explorer brand + lang filters|/w/$WS/explorer?brand=havbris&lang=nb"
    "inbox|/w/$WS/inbox"
    # == openness (issue 7) ==
    "openness index 90 days|/w/$WS/index"
    "openness index 365 days|/w/$WS/index?days=365"
    "openness unanswered inquiries|/w/$WS/index/inquiries?brand=havbris&filter=unanswered&days=90"
    "brand accounts setup|/w/$WS/setup/accounts"
)

say() { printf '\n==> %s\n' "$*"; }
die() { printf '\nbench/web.sh: %s\n' "$*" >&2; exit 1; }

for tool in curl python3; do
    command -v "$tool" >/dev/null || die "$tool is needed (apt-get install $tool)"
done
if ! command -v wrk >/dev/null; then
    say "installing wrk"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; } >/dev/null ||
        die "could not install wrk (apt-get install wrk)"
fi

WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

say "building the release binary"
cargo build --release --quiet -p omdomme
[ -x "$BIN" ] || die "no binary at $BIN (set CARGO_TARGET_DIR to cargo's target folder)"

if [ -f "$MARKER" ] && [ "$(cat "$MARKER")" = "$ITEMS" ] && [ -s "$PASSWORD_FILE" ]; then
    say "reusing the demo data in $DIR ($ITEMS items)"
else
    say "building the demo data: $ITEMS items in $DIR"
    OMDOMME_LOG=warn "$BIN" --data-dir "$DIR" demo --items "$ITEMS" --no-serve | tee "$WORK/demo.out"
    # "Login for `omdomme serve --data-dir DIR`: demo@omdomme.example / PASSWORD"
    sed -n "s|^Login for .*: $LOGIN / ||p" "$WORK/demo.out" >"$PASSWORD_FILE"
    [ -s "$PASSWORD_FILE" ] || die "the demo printed no login"
    chmod 600 "$PASSWORD_FILE"
    echo "$ITEMS" >"$MARKER"
fi
PASSWORD=$(cat "$PASSWORD_FILE")

say "a webhook source on the demo workspace"
CONFIG="$WORK/omdomme.toml"
python3 - "$DIR/omdomme.sqlite3" "$WS" >"$CONFIG" <<'PY'
import json, sqlite3, sys
db, ws = sys.argv[1], sys.argv[2]
row = sqlite3.connect(f"file:{db}?mode=ro", uri=True).execute(
    "SELECT name, brands FROM workspaces WHERE key = ?", (ws,)).fetchone()
if row is None:
    sys.exit(f"no workspace {ws} in {db}")
name, brands = row
print(f"[[workspaces]]\nid = {json.dumps(ws)}\nname = {json.dumps(name)}\n")
for brand in json.loads(brands):
    print("[[workspaces.brands]]")
    for key in ("id", "name", "role", "query"):
        print(f"{key} = {json.dumps(brand[key], ensure_ascii=False)}")
    print()
print('[[workspaces.sources]]\nkind = "webhook"\nname = "bench"\nauth = "token"')
PY
OMDOMME_SECRET_KEY=$("$BIN" sources key 2>/dev/null)
export OMDOMME_SECRET_KEY
WEBHOOK_TOKEN=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
echo "$WEBHOOK_TOKEN" |
    "$BIN" --config "$CONFIG" --data-dir "$DIR" sources credential set "$WS" webhook:bench

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
say "serving on $BASE"
OMDOMME_LOG=warn "$BIN" --config "$CONFIG" --data-dir "$DIR" serve --no-collect --listen "127.0.0.1:$PORT" \
    >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 600); do
    curl -sf -o /dev/null "$BASE/api/health" && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; die "the server stopped"; }
    sleep 0.2
done
curl -sf -o /dev/null "$BASE/api/health" || die "the server did not answer /api/health within 2 minutes"

say "logging in as $LOGIN"
LOGIN_JSON=$(python3 -c 'import json, sys; print(json.dumps({"email": sys.argv[1], "password": sys.argv[2]}))' \
    "$LOGIN" "$PASSWORD")
STATUS=$(curl -s -o /dev/null -D "$WORK/login.headers" -w '%{http_code}' \
    -H 'Content-Type: application/json' -d "$LOGIN_JSON" "$BASE/api/session")
[ "$STATUS" = 200 ] || die "POST /api/session answered $STATUS"
COOKIE=$(sed -n 's/^set-cookie: \([^;]*\).*/\1/ip' "$WORK/login.headers" | head -n 1)
[ -n "$COOKIE" ] || die "the login set no cookie"

SUMMARY=()
# Set when a page answers anything but 200, wrk meets errors or the inquiry never shows.
PROBLEMS=0
# p50/p95/p99 (nearest rank) of the times, in ms, in the file $1.
percentiles() {
    sort -n "$1" | awk '{ t[NR] = $1 * 1000 }
        function at(q,  i) { i = int(q * NR + 0.999999); if (i < 1) i = 1; return t[i] }
        END { printf "p50 %7.1f ms  p95 %7.1f ms  p99 %7.1f ms", at(0.50), at(0.95), at(0.99) }'
}

say "render time, $N sequential requests per page"
for page in "${PAGES[@]}"; do
    label=${page%%|*}
    path=${page#*|}
    : >"$WORK/samples"
    for _ in $(seq "$N"); do
        curl -s -o /dev/null -H "Cookie: $COOKIE" -w '%{http_code} %{time_total}\n' "$BASE$path" \
            >>"$WORK/samples"
    done
    awk '{ print $1 }' "$WORK/samples" >"$WORK/statuses"
    awk '{ print $2 }' "$WORK/samples" >"$WORK/times"
    line="$(printf '%-32s %s' "$label" "$(percentiles "$WORK/times")")"
    bad=$(grep -cv '^200$' "$WORK/statuses" || true)
    if [ "$bad" -gt 0 ]; then
        line="$line  NOT 200: $bad of $N ($(sort "$WORK/statuses" | uniq -c | tr -s ' \n' ' '))"
        PROBLEMS=1
    fi
    echo "$line   $path"
    SUMMARY+=("$line")
done

say "wrk -t2 -c$WRK_CONNECTIONS -d${WRK_SECONDS}s against the overview"
wrk -t2 -c"$WRK_CONNECTIONS" -d"${WRK_SECONDS}s" -H "Cookie: $COOKIE" "$BASE/w/$WS/overview" |
    tee "$WORK/wrk.out"
RPS=$(awk '/^Requests\/sec:/ { print $2 }' "$WORK/wrk.out")
NON_2XX=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$WORK/wrk.out")
SOCKET_ERRORS=$(sed -n 's/^ *Socket errors: *//p' "$WORK/wrk.out")
SUMMARY+=("$(printf '%-32s %s requests/s; non-2xx/3xx: %s; socket errors: %s' "wrk overview" \
    "${RPS:-?}" "${NON_2XX:-0}" "${SOCKET_ERRORS:-none}")")
[ -z "$NON_2XX" ] && [ -z "$SOCKET_ERRORS" ] || PROBLEMS=1

say "a new inquiry through the webhook, until the inbox shows it"
MARK="bench$(date +%s%N)"
INQUIRY=$(python3 -c '
import json, sys
from datetime import datetime, timezone
print(json.dumps({
    "id": sys.argv[1],
    "text": f"{sys.argv[1]}: Hei @havbris, når får dere inn glutenfritt brød igjen på Storo?",
    "published_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    "author": sys.argv[1],
}, ensure_ascii=False))' "$MARK")
# An open inbox page asks its arrivals fragment (`#inbox-arrivals`, hx-get) for new entries
# every second; poll that, as the page does, or the page itself when it has none.
curl -s -o "$WORK/inbox.html" -H "Cookie: $COOKIE" "$BASE/w/$WS/inbox"
POLL_PATH=$(python3 -c '
import html, re, sys
page = open(sys.argv[1], encoding="utf-8", errors="replace").read()
tag = re.search(r"<[^>]*id=\"inbox-arrivals\"[^>]*>", page)
link = tag and re.search(r"hx-get=\"([^\"]*)\"", tag.group(0))
print(html.unescape(link.group(1)) if link else sys.argv[2])' "$WORK/inbox.html" "/w/$WS/inbox")
echo "polling $POLL_PATH"
START=$(date +%s.%N)
STATUS=$(curl -s -o "$WORK/ingest.out" -w '%{http_code}' -H 'Content-Type: application/json' \
    -H "X-Omdomme-Source: $WS/bench" -H "Authorization: Bearer $WEBHOOK_TOKEN" \
    -d "$INQUIRY" "$BASE/api/ingest")
if [ "$STATUS" != 200 ]; then
    line="$(printf '%-32s POST /api/ingest answered %s: %s' "inquiry in inbox" "$STATUS" "$(cat "$WORK/ingest.out")")"
    PROBLEMS=1
else
    line=
    deadline=$(($(date +%s) + INBOX_WAIT_SECONDS))
    while [ "$(date +%s)" -lt "$deadline" ]; do
        STATUS=$(curl -s -o "$WORK/inbox.html" -w '%{http_code}' -H "Cookie: $COOKIE" "$BASE$POLL_PATH")
        if [ "$STATUS" = 200 ] && grep -q "$MARK" "$WORK/inbox.html"; then
            line="$(printf '%-32s shown after %s s (polling %s)' "inquiry in inbox" \
                "$(awk -v s="$START" -v e="$(date +%s.%N)" 'BEGIN { printf "%.2f", e - s }')" \
                "$POLL_PATH")"
            break
        fi
        sleep 0.05
    done
    if [ -z "$line" ]; then
        line="$(printf '%-32s NOT shown within %s s (%s answered %s)' \
            "inquiry in inbox" "$INBOX_WAIT_SECONDS" "$POLL_PATH" "$STATUS")"
        PROBLEMS=1
    fi
fi
echo "$line"
SUMMARY+=("$line")

say "summary: $ITEMS items in $DIR, $N requests per page"
printf '%s\n' "${SUMMARY[@]}"
[ "$PROBLEMS" = 0 ] || die "some requests failed (above)"
