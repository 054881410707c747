#!/usr/bin/env bash
# with-postgres.sh CMD [ARGS...]: run CMD against a throwaway PostgreSQL.
#
# It initialises a temporary cluster from Debian's PostgreSQL 15 binaries,
# listening only on 127.0.0.1 on a free port (trust authentication, so no
# password exists to leak), creates the database mi_test, exports
#   MI_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:PORT/mi_test?sslmode=disable
# runs CMD, and always stops the server and removes its directory.
# With MI_TEST_POSTGRES_URL already set it just runs CMD.
#
#   scripts/with-postgres.sh go test ./postgres/
#   PG_BIN=/path/to/bin scripts/with-postgres.sh go test ./...
set -euo pipefail

if [ "$#" -eq 0 ]; then
	echo "usage: $0 COMMAND [ARGS...]" >&2
	exit 2
fi
if [ -n "${MI_TEST_POSTGRES_URL:-}" ]; then
	exec "$@"
fi

PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
for tool in initdb pg_ctl createdb; do
	if [ ! -x "$PG_BIN/$tool" ]; then
		echo "$0: $PG_BIN/$tool not found; install PostgreSQL 15's server binaries:" >&2
		echo "  apt-get install -y postgresql-15   (or: apt-get install -y postgresql)" >&2
		echo "or point PG_BIN at another PostgreSQL bin folder, or set MI_TEST_POSTGRES_URL." >&2
		exit 1
	fi
done

# initdb and the server refuse to run as root: as root, run them as postgres.
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
	if ! id postgres >/dev/null 2>&1; then
		echo "$0: running as root but there is no postgres user to run the server as." >&2
		exit 1
	fi
	as_pg=(runuser -u postgres --)
fi

dir="$(mktemp -d "${TMPDIR:-/tmp}/mi-pg.XXXXXX")"
started=""
cleanup() {
	if [ -n "$started" ]; then
		"${as_pg[@]}" "$PG_BIN/pg_ctl" stop -D "$dir/data" -m immediate -w >/dev/null 2>&1 || true
	fi
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ "${#as_pg[@]}" -gt 0 ]; then
	chown postgres: "$dir"
fi
chmod 700 "$dir"

"${as_pg[@]}" "$PG_BIN/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
	>"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }

# port_free reports whether nothing answers on 127.0.0.1:$1.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

port=""
for _ in 1 2 3 4 5 6 7 8 9 10; do
	p=$((20000 + RANDOM % 40000))
	port_free "$p" || continue
	# fsync off: a throwaway test cluster trades durability for speed.
	if "${as_pg[@]}" "$PG_BIN/pg_ctl" start -D "$dir/data" -w -t 60 -l "$dir/server.log" \
		-o "-c listen_addresses=127.0.0.1 -p $p -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
		>/dev/null 2>&1; then
		port="$p"
		started=1
		break
	fi
done
if [ -z "$port" ]; then
	echo "$0: PostgreSQL did not start; its log:" >&2
	cat "$dir/server.log" >&2 2>/dev/null || true
	exit 1
fi

"$PG_BIN/createdb" -h 127.0.0.1 -p "$port" -U postgres mi_test

export MI_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/mi_test?sslmode=disable"
echo "with-postgres: PostgreSQL on 127.0.0.1:$port" >&2
# The command runs in the background so that a signal to this script is
# handled at once (bash defers traps while a foreground child runs): it is
# passed on to the command, and the EXIT trap then stops the server.
"$@" <&0 &
child=$!
trap 'kill -INT "$child" 2>/dev/null; wait "$child"; exit 130' INT
trap 'kill -TERM "$child" 2>/dev/null; wait "$child"; exit 143' TERM
set +e
wait "$child"
rc=$?
set -e
exit "$rc"
