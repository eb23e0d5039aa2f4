#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# sandbox.sh: run a command against a private pcscd with simulated cards.
#
#   test/integration/sandbox.sh [--build DIR] --profile FILE [--profile2 FILE]
#                               [--cardsim-args "ARGS"] [--timeout SEC] -- CMD [ARG...]
#
# Example (the README demo, from the source tree after `meson compile -C build`):
#   sudo test/integration/sandbox.sh --profile vectors/cards/healthy-v3.json -- \
#        sh -c 'build/tools/cardtool list && build/tools/cardtool info'
#
# What it does, as root:
#   1. re-runs itself under `unshare -m -p -f --mount-proc`: a private mount
#      namespace (so our pcscd's /run/pcscd is not the host's) and a private PID
#      namespace (when the sandbox ends, every process started in it dies);
#   2. mounts a tmpfs on /run/pcscd (or on /run when the host has no
#      /run/pcscd, so nothing is created on the host) and writes there a
#      reader.conf directory with one vpcd entry on a free TCP port PORT;
#      vpcd makes two readers of it: "Virtual PCD 00 00" (PORT) and
#      "Virtual PCD 00 01" (PORT+1);
#   3. starts `pcscd -f -c DIR`, then cardsim PROFILE on PORT and cardsim
#      PROFILE2 on PORT+1, and waits until pcscd shows the card(s);
#   4. runs CMD with these in its environment:
#        SSCARD_SANDBOX_DIR      the private work directory (tmpfs)
#        SSCARD_SANDBOX_PORT     PORT
#        SSCARD_SANDBOX_READER   "Virtual PCD 00 00"  (SSCARD_SANDBOX_READER2: "... 00 01")
#        SSCARD_SANDBOX_CARDSIM_PID / SSCARD_SANDBOX_CARDSIM2_PID
#        $SSCARD_SANDBOX_DIR/restart-pcscd   kill pcscd and start it again
#        $SSCARD_SANDBOX_DIR/pcscd.pid       pid of the pcscd running now
#      (SSCARD_READER is NOT set: tests choose their reader);
#   5. stops cardsim(s) (they must exit 0 on SIGTERM) and pcscd; the
#      namespaces and their tmpfs vanish with the last process. A pcscd
#      already running on the host is never touched.
# More options and knobs:
#   --cardsim-args "ARGS"  extra cardsim options for both cards, e.g.
#                          "--trace" or "--swap-after 7 vectors/cards/healthy-v2.json"
#   --timeout SEC          CMD is killed after SEC seconds (default 120)
#   SSCARD_SANDBOX_WAIT_CARDS=N   wait for N cards instead of one per profile
#                          (0 for a profile without ATR: an empty reader)
#   SSCARD_SANDBOX_PCSCD_ARGS="-d"  extra pcscd options (logs: $dir/pcscd.log,
#                          printed with the cardsim logs when CMD fails)
# Exit status: CMD's, or 1 if the sandbox could not be set up. Without root
# or unshare it says why and exits 77 (meson's "skipped"), or 1 when CI=true.
#
# Binaries: --build DIR (default: $SSCARD_BUILD, else ./build) holds
# tools/cardsim and test/integration/pcsc_wait; CARDSIM / PCSC_WAIT override.
set -u

die() { echo "sandbox: $*" >&2; exit 1; }
skip() {
	echo "sandbox: cannot run the integration sandbox: $*" >&2
	if [ "${CI:-}" = "true" ]; then exit 1; fi
	exit 77
}

build=${SSCARD_BUILD:-build}
profile='' profile2='' cardsim_args='' timeout=120
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2; shift 2 ;;
	--profile) profile=$2; shift 2 ;;
	--profile2) profile2=$2; shift 2 ;;
	--cardsim-args) cardsim_args=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--) shift; break ;;
	-h|--help) sed -n '3,48p' "$0"; exit 0 ;;
	*) die "unknown option '$1' (see --help)" ;;
	esac
done
[ $# -gt 0 ] || die "no command given (see --help)"
[ -n "$profile" ] || die "--profile FILE is required"
CARDSIM=${CARDSIM:-$build/tools/cardsim}
PCSC_WAIT=${PCSC_WAIT:-$build/test/integration/pcsc_wait}
PCSCD=${PCSCD:-/usr/sbin/pcscd}
VPCD_LIB=${VPCD_LIB:-/usr/lib/pcsc/drivers/serial/libifdvpcd.so}

# ---- outside: checks, then re-enter in private namespaces -----------------
if [ -z "${SSCARD_SANDBOX_INNER:-}" ]; then
	[ "$(id -u)" = 0 ] || skip "needs root (unshare -m and mount); run it with sudo"
	command -v unshare >/dev/null || skip "unshare (util-linux) not installed"
	[ -x "$PCSCD" ] || skip "$PCSCD not found (apt-get install pcscd)"
	[ -e "$VPCD_LIB" ] || skip "$VPCD_LIB not found (apt-get install vsmartcard-vpcd)"
	for f in "$CARDSIM" "$PCSC_WAIT"; do [ -x "$f" ] || die "$f not built"; done
	for f in "$profile" ${profile2:+"$profile2"}; do [ -r "$f" ] || die "profile $f not readable"; done
	unshare -m -p -f --mount-proc true 2>/dev/null ||
		skip "unshare -m -p failed here (a container without CAP_SYS_ADMIN?)"
	export SSCARD_SANDBOX_INNER=1 CARDSIM PCSC_WAIT PCSCD VPCD_LIB
	exec unshare -m -p -f --mount-proc --propagation private -- \
		"$0" --build "$build" --profile "$profile" ${profile2:+--profile2 "$profile2"} \
		--cardsim-args "$cardsim_args" --timeout "$timeout" -- "$@"
fi

# ---- inside: PID 1 of a private PID namespace with a private mount table ---
if [ -d /run/pcscd ]; then
	mount -t tmpfs -o mode=0755,size=8m sscard-sandbox /run/pcscd || die "mount tmpfs on /run/pcscd failed"
else
	mount -t tmpfs -o mode=0755,size=8m sscard-sandbox /run || die "mount tmpfs on /run failed"
	mkdir -p /run/pcscd
fi
dir=/run/pcscd/sandbox
mkdir -p "$dir/reader.conf.d"

# A free port pair, below the ephemeral range: any outgoing connection may
# hold a port in that range, and vpcd's bind would then fail.
read -r eph_lo _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || eph_lo=32768
port_busy() { # any socket on that local port (ss), else anything answering
	if command -v ss >/dev/null; then
		[ -n "$(ss -Htan "( sport = :$1 )" 2>/dev/null)" ]
	else
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
	fi
}
pick_port() {
	local lo=10000 hi=$((eph_lo - 2)) p
	[ "$hi" -gt "$lo" ] || { lo=$((eph_lo + 1000)); hi=60000; }
	port=
	for _ in $(seq 1 50); do
		p=$(( lo + (RANDOM * 32768 + RANDOM) % (hi - lo) ))
		if ! port_busy "$p" && ! port_busy $((p + 1)); then port=$p; return 0; fi
	done
	die "no free TCP port pair found"
}
write_conf() {
	local hexport; hexport=$(printf '0x%X' "$port")
	cat >"$dir/reader.conf.d/vpcd" <<EOF
FRIENDLYNAME "Virtual PCD"
DEVICENAME   /dev/null:$hexport
LIBPATH      $VPCD_LIB
CHANNELID    $hexport
EOF
}

cat >"$dir/restart-pcscd" <<EOF
#!/bin/sh
# Kill the sandbox's pcscd and start a new one (clients must reconnect).
old=\$(cat "$dir/pcscd.pid" 2>/dev/null)
[ -n "\$old" ] && kill "\$old" 2>/dev/null
for i in \$(seq 1 100); do kill -0 "\$old" 2>/dev/null || break; sleep 0.05; done
rm -f /run/pcscd/pcscd.comm /run/pcscd/pcscd.pid
"$PCSCD" -f ${SSCARD_SANDBOX_PCSCD_ARGS:-} -c "$dir/reader.conf.d" >>"$dir/pcscd.log" 2>&1 &
echo \$! >"$dir/pcscd.pid"
EOF
chmod +x "$dir/restart-pcscd"

cardsim_pids=()
logs() {
	echo "---- sandbox logs ($dir) ----" >&2
	for f in "$dir"/*.log; do [ -f "$f" ] && { echo "== $f" >&2; tail -n 40 "$f" >&2; }; done
}
cleanup() {
	local rc=0
	for pid in "${cardsim_pids[@]}"; do
		kill -TERM "$pid" 2>/dev/null
		if ! wait "$pid"; then
			echo "sandbox: cardsim (pid $pid) did not exit cleanly on SIGTERM" >&2
			rc=1
		fi
	done
	local pp; pp=$(cat "$dir/pcscd.pid" 2>/dev/null)
	if [ -n "$pp" ]; then
		kill -TERM "$pp" 2>/dev/null
		for _ in $(seq 1 100); do kill -0 "$pp" 2>/dev/null || break; sleep 0.05; done
		kill -KILL "$pp" 2>/dev/null
	fi
	return $rc
}
trap 'cleanup; exit 130' INT TERM

start_cardsim() { # PORT PROFILE LOG
	# shellcheck disable=SC2086 # cardsim_args is a word list on purpose
	"$CARDSIM" --port "$1" $cardsim_args "$2" >"$3" 2>&1 &
	cardsim_pids+=($!)
}
start_all() {
	cardsim_pids=()
	rm -f "$dir"/*.log
	pick_port
	write_conf
	"$dir/restart-pcscd"
	start_cardsim "$port" "$profile" "$dir/cardsim.log"
	export SSCARD_SANDBOX_CARDSIM_PID=${cardsim_pids[0]}
	if [ -n "$profile2" ]; then
		start_cardsim $((port + 1)) "$profile2" "$dir/cardsim2.log"
		export SSCARD_SANDBOX_CARDSIM2_PID=${cardsim_pids[1]}
	fi
}

# A profile without an ATR shows as an empty reader: then wait for readers only.
want_cards=${SSCARD_SANDBOX_WAIT_CARDS:-$([ -n "$profile2" ] && echo 2 || echo 1)}
for attempt in 1 2 3; do
	start_all
	"$PCSC_WAIT" 2 "$want_cards" 10000 && break
	# the port was taken between our check and vpcd's bind: another one
	if [ $attempt -lt 3 ] && grep -q "Could not initialize connection" "$dir/pcscd.log"; then
		echo "sandbox: port $port was taken meanwhile; trying another" >&2
		cleanup
		continue
	fi
	logs; cleanup; die "pcscd did not show the simulated card(s)"
done

export SSCARD_SANDBOX_DIR=$dir SSCARD_SANDBOX_PORT=$port
export SSCARD_SANDBOX_READER="Virtual PCD 00 00" SSCARD_SANDBOX_READER2="Virtual PCD 00 01"
unset SSCARD_READER
# SSCARD_VALGRIND (the 'valgrindintegration' test setup): a compiled test
# program runs under memcheck; errors and definite leaks fail it (99).
wrap=()
if [ -n "${SSCARD_VALGRIND:-}" ] && head -c 4 "$1" 2>/dev/null | grep -q ELF; then
	wrap=(valgrind --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect
	      --errors-for-leak-kinds=definite,indirect --track-origins=yes --quiet
	      "--suppressions=$(dirname "$0")/valgrind.supp")
	timeout=$((timeout * 10))
fi
timeout --kill-after=5 "$timeout" "${wrap[@]}" "$@"
status=$?
[ $status = 124 ] && echo "sandbox: command timed out after ${timeout}s" >&2
[ $status != 0 ] && [ $status != 77 ] && logs
cleanup || { [ $status = 0 ] && status=1; }
exit $status
