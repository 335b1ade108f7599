#!/usr/bin/env bash
# The lab Asterisk: Asterisk 22 from a minimal Debian sid chroot, run on this host.
#
#   lab/asterisk.sh build         create the chroot (from the cached tar.zst, else debootstrap)
#   lab/asterisk.sh up            build if needed, install config, start; reload if running
#   lab/asterisk.sh down          stop cleanly, kill leftovers, check nothing stays behind
#   lab/asterisk.sh status        running? ARI? channels?
#   lab/asterisk.sh cli "CMD"     asterisk -rx CMD inside the chroot
#   lab/asterisk.sh logs [N]      last N lines of the lab log (default 100)
#
# State lives in ${RUFBEREIT_LAB_DIR:-/var/tmp/rufbereit-lab}; the chroot cache in
# /var/cache/rufbereit-lab. Needs root. See docs/ARCHITECTURE.md for the fixed names
# and /work/shared/notes/asterisk-lab.md for why things are done this way.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$HERE")
LAB_DIR=${RUFBEREIT_LAB_DIR:-/var/tmp/rufbereit-lab}
CACHE_DIR=${RUFBEREIT_LAB_CACHE_DIR:-/var/cache/rufbereit-lab}
MIRROR=${RUFBEREIT_DEBIAN_MIRROR:-http://deb.debian.org/debian}
# Bump when the recipe below changes, so an old cache is not reused.
RECIPE=1
CACHE_TAR=$CACHE_DIR/asterisk-sid-chroot-r$RECIPE.tar.zst
ROOT=$LAB_DIR/asterisk-root
BUILT_MARK=$ROOT/.rufbereit-lab-r$RECIPE
LOCK=$LAB_DIR/.lock
CONSOLE_LOG=$LAB_DIR/asterisk-console.log
RESOLV=$LAB_DIR/resolv.conf
ARI_URL=http://127.0.0.1:8088/ari
ARI_USER=rufbereit
ARI_PASS='lab&pass=1'
RUN_USER=asterisk
T0=${EPOCHREALTIME/./}

say() {
    local now=${EPOCHREALTIME/./}
    local ms=$(((now - T0) / 1000))
    printf 'lab/asterisk [%d.%02ds] %s\n' $((ms / 1000)) $((ms % 1000 / 10)) "$*" >&2
}
die() {
    say "ERROR: $*"
    exit 1
}

need_root() {
    [[ $(id -u) -eq 0 ]] || die "needs root (chroot, unshare, mount)"
}

lock() {
    mkdir -p "$LAB_DIR"
    exec 9>"$LOCK"
    if ! flock -n 9; then
        say "waiting for another lab/asterisk.sh to finish"
        flock -w 600 9 || die "lock $LOCK still held after 600 s"
    fi
}

# Mount points of the host that are inside PATH (there should be none: everything is
# mounted inside private mount namespaces).
mounts_under() {
    local path=$1
    awk -v p="$path" '$2 == p || index($2, p "/") == 1 { print $2 }' /proc/mounts
}

# PIDs of processes whose root directory is the chroot (-ef: same inode, no forks).
chroot_pids() {
    local p
    for p in /proc/[0-9]*; do
        [[ $p/root -ef $ROOT ]] && echo "${p#/proc/}"
    done
    return 0
}

is_asterisk() {
    local -a argv=()
    [[ /proc/$1/root -ef $ROOT ]] || return 1
    mapfile -d '' argv <"/proc/$1/cmdline" 2>/dev/null || return 1
    [[ ${argv[0]:-} == /usr/sbin/asterisk && ${argv[1]:-} == -f ]]
}

asterisk_pid() {
    local pid=""
    [[ -f $ROOT/run/asterisk/asterisk.pid ]] && read -r pid <"$ROOT/run/asterisk/asterisk.pid"
    if [[ -n $pid ]] && is_asterisk "$pid"; then
        echo "$pid"
        return 0
    fi
    # No pid file yet (still starting) or a stale one: look for the process itself.
    for pid in $(chroot_pids); do
        if is_asterisk "$pid"; then
            echo "$pid"
            return 0
        fi
    done
    return 1
}

# Run a command inside the chroot with /proc and the host's resolv.conf, in a private
# mount namespace: whatever happens, nothing stays mounted on the host.
in_chroot() {
    local root=$1
    shift
    unshare --mount --propagation private sh -c '
        root=$1; shift
        mount -t proc proc "$root/proc"
        [ -e "$root/etc/resolv.conf" ] || : >"$root/etc/resolv.conf"
        mount --bind /etc/resolv.conf "$root/etc/resolv.conf"
        exec chroot "$root" "$@"' sh "$root" "$@"
}

# asterisk -rx inside the chroot (the control socket lives in ROOT/run/asterisk).
rx() {
    chroot "$ROOT" /usr/sbin/asterisk -rx "$1"
}

ari_ok() {
    curl -fsS -m 2 -o /dev/null -u "$ARI_USER:$ARI_PASS" "$ARI_URL/asterisk/info" 2>/dev/null
}

# ---------------------------------------------------------------------------- build

build() {
    need_root
    if [[ -f $BUILT_MARK && -x $ROOT/usr/sbin/asterisk ]]; then
        return 0
    fi
    if [[ -d $ROOT ]]; then
        say "chroot $ROOT is from an older recipe: rebuilding"
        [[ -z $(chroot_pids) ]] && [[ -z $(mounts_under "$ROOT") ]] ||
            die "the old chroot is still in use; run: $0 down"
    fi
    local tmp=$ROOT.new
    [[ -z $(mounts_under "$tmp") ]] || die "something is mounted under $tmp"
    rm -rf "$tmp" "$ROOT"
    mkdir -p "$tmp" "$CACHE_DIR"
    if [[ -f $CACHE_TAR ]]; then
        say "restoring chroot from $CACHE_TAR"
        zstd -q -d -c "$CACHE_TAR" | tar -x -C "$tmp" --numeric-owner
        [[ -x $tmp/usr/sbin/asterisk ]] || die "cache $CACHE_TAR is broken; delete it and rebuild"
    else
        local log=$LAB_DIR/build.log
        : >"$log"
        say "debootstrap --variant=minbase sid (about 60 s, log: $log)"
        if ! unshare --mount --propagation private \
            debootstrap --variant=minbase sid "$tmp" "$MIRROR" >>"$log" 2>&1; then
            tail -n 20 "$log" >&2
            die "debootstrap failed (log: $log)"
        fi
        say "installing asterisk into the chroot (about 30 s)"
        # Keep the package scripts from starting asterisk during the install.
        printf '#!/bin/sh\nexit 101\n' >"$tmp/usr/sbin/policy-rc.d"
        chmod 755 "$tmp/usr/sbin/policy-rc.d"
        # sid's Release file may be past its Valid-Until date.
        if ! in_chroot "$tmp" apt-get -q -o Acquire::Check-Valid-Until=false update >>"$log" 2>&1 ||
            ! in_chroot "$tmp" env DEBIAN_FRONTEND=noninteractive apt-get -q -y \
                -o Acquire::Check-Valid-Until=false -o Dpkg::Use-Pty=0 \
                install --no-install-recommends asterisk >>"$log" 2>&1; then
            tail -n 20 "$log" >&2
            die "apt-get install asterisk failed (log: $log)"
        fi
        in_chroot "$tmp" apt-get clean >>"$log" 2>&1
        rm -rf "$tmp"/var/lib/apt/lists/* "$tmp"/var/cache/apt/*.bin
        # The lab installs exactly its own config: keep the package's samples aside.
        mv "$tmp/etc/asterisk" "$tmp/etc/asterisk.dist"
        mkdir -p "$tmp/etc/asterisk"
        touch "$tmp/.rufbereit-lab-r$RECIPE"
        say "writing cache $CACHE_TAR"
        tar -C "$tmp" --numeric-owner -cf - . | zstd -q -T0 -3 -o "$CACHE_TAR.tmp"
        mv "$CACHE_TAR.tmp" "$CACHE_TAR"
    fi
    mv "$tmp" "$ROOT"
    say "chroot ready: $("$ROOT/usr/sbin/asterisk" -V 2>/dev/null || chroot "$ROOT" /usr/sbin/asterisk -V)"
}

# ---------------------------------------------------------------------------- config

CHANGED=()

# Copy the product dialplan (verbatim) and the lab config into ROOT/etc/asterisk;
# remove files that are no longer ours. Sets CHANGED to the names that differ.
install_config() {
    local etc=$ROOT/etc/asterisk f name
    local -A want=()
    CHANGED=()
    mkdir -p "$etc"
    # The CDR/CEL templates for `rufbereit analyse` are installed as the admin would:
    # dialplan/cdr_custom.conf.sample -> cdr_custom.conf.
    for f in "$REPO"/dialplan/*.conf "$REPO"/dialplan/modules.conf.rufbereit \
        "$REPO"/dialplan/*_custom.conf.sample "$HERE"/asterisk/*.conf; do
        [[ -f $f ]] || continue
        name=$(basename "$f" .sample)
        [[ -z ${want[$name]:-} ]] || die "config $name exists twice (dialplan/ and lab/asterisk/)"
        want[$name]=$f
        if ! cmp -s "$f" "$etc/$name"; then
            install -m 0644 "$f" "$etc/$name"
            CHANGED+=("$name")
        fi
    done
    for f in "$etc"/*; do
        [[ -e $f ]] || continue
        name=$(basename "$f")
        if [[ -z ${want[$name]:-} ]]; then
            rm -f "$f"
            CHANGED+=("$name")
        fi
    done
}

prepare_runtime() {
    local d
    # Without the host name in /etc/hosts (and a resolver that answers at once),
    # asterisk does slow DNS look-ups on the first call.
    printf '127.0.0.1\tlocalhost %s\n::1\tlocalhost ip6-localhost ip6-loopback\n' \
        "$(hostname)" >"$ROOT/etc/hosts"
    printf 'nameserver 127.0.0.1\n' >"$RESOLV"
    [[ -e $ROOT/etc/resolv.conf ]] || : >"$ROOT/etc/resolv.conf"
    for d in /run/asterisk /var/log/asterisk /var/lib/asterisk /var/spool/asterisk /var/cache/asterisk; do
        mkdir -p "$ROOT$d"
        chroot "$ROOT" chown -R "$RUN_USER:$RUN_USER" "$d"
    done
    chroot "$ROOT" chown -R "root:$RUN_USER" /etc/asterisk
    chmod 0750 "$ROOT/etc/asterisk"
    chmod 0640 "$ROOT"/etc/asterisk/* 2>/dev/null || true
    ln -sfn asterisk-root/var/log/asterisk "$LAB_DIR/logs"
}

# ---------------------------------------------------------------------------- up / down

wait_ready() {
    local pid=$1 deadline=$((${EPOCHREALTIME/./} + 30000000))
    until ari_ok; do
        if [[ ! -d /proc/$pid ]]; then
            tail -n 30 "$CONSOLE_LOG" >&2 || true
            die "asterisk exited during start (console: $CONSOLE_LOG, log: $LAB_DIR/logs/messages.log)"
        fi
        if ((${EPOCHREALTIME/./} > deadline)); then
            tail -n 30 "$CONSOLE_LOG" >&2 || true
            die "ARI did not answer on $ARI_URL within 30 s"
        fi
        sleep 0.1
    done
    timeout 30 chroot "$ROOT" /usr/sbin/asterisk -rx 'core waitfullybooted' >/dev/null ||
        die "asterisk did not finish booting"
}

start() {
    say "starting asterisk"
    : >"$CONSOLE_LOG"
    # setsid: own session, no terminal. unshare: /proc and resolv.conf are mounted in a
    # private namespace that disappears with asterisk, so nothing stays mounted.
    # 9>&- : asterisk must not inherit the lock.
    setsid unshare --mount --propagation private sh -c '
        root=$1 resolv=$2 user=$3
        mount -t proc proc "$root/proc" || exit 1
        mount --bind "$resolv" "$root/etc/resolv.conf" || exit 1
        exec chroot "$root" /usr/sbin/asterisk -f -n -U "$user" -G "$user"' \
        sh "$ROOT" "$RESOLV" "$RUN_USER" </dev/null >>"$CONSOLE_LOG" 2>&1 9>&- &
    local pid=$!
    wait_ready "$pid"
    say "asterisk up (pid $(asterisk_pid || echo "$pid")), ARI answers on $ARI_URL"
}

# What to reload for a changed config file: only that module, so other users of the
# lab (ARI websockets, calls in progress) are not disturbed.
reload_target() {
    case $1 in
    pjsip.conf) echo res_pjsip.so ;;
    ari.conf) echo res_ari.so ;;
    http.conf) echo http ;;
    rtp.conf) echo res_rtp_asterisk.so ;;
    voicemail.conf) echo app_voicemail.so ;;
    chan_websocket.conf) echo chan_websocket.so ;;
    websocket_client.conf) echo res_websocket_client.so ;;
    cdr.conf) echo cdr ;;
    cel.conf) echo cel ;;
    features.conf) echo features ;;
    indications.conf) echo indications ;;
    acl.conf) echo acl ;;
    udptl.conf) echo udptl ;;
    manager.conf) echo manager ;;
    pjproject.conf) echo res_pjproject.so ;;
    ccss.conf) echo ccss ;;
    *) echo "" ;; # unknown: reload everything
    esac
}

reload_changed() {
    local name target restart=0 dialplan=0
    local -a targets=()
    for name in "${CHANGED[@]}"; do
        case $name in
        modules.conf | modules.conf.rufbereit | asterisk.conf | logger.conf) restart=1 ;;
        extensions*.conf) dialplan=1 ;;
        *) targets+=("$(reload_target "$name")") ;;
        esac
    done
    if ((restart)); then
        say "changed: ${CHANGED[*]} -> restarting asterisk"
        stop
        prepare_runtime
        start
        return 0
    fi
    if ((dialplan)); then
        rx 'dialplan reload' >/dev/null
        say "dialplan reloaded"
    fi
    for target in $(printf '%s\n' "${targets[@]}" | sort -u); do
        rx "module reload $target" >/dev/null
        say "reloaded $target"
    done
    if printf '%s\n' "${targets[@]}" | grep -qx ''; then
        rx 'module reload' >/dev/null
        say "reloaded all modules"
    fi
    say "config changed: ${CHANGED[*]}"
    return 0
}

up() {
    need_root
    lock
    build
    install_config
    local pid
    if pid=$(asterisk_pid); then
        if ((${#CHANGED[@]})); then
            prepare_runtime
            reload_changed
            pid=$(asterisk_pid) || die "asterisk is not running after the reload"
        else
            say "asterisk already running (pid $pid), config unchanged"
        fi
        ari_ok || wait_ready "$pid"
        return 0
    fi
    prepare_runtime
    start
}

stop() {
    local pid pids i
    if pid=$(asterisk_pid); then
        say "stopping asterisk (pid $pid)"
        timeout 10 chroot "$ROOT" /usr/sbin/asterisk -rx 'core stop now' >/dev/null 2>&1 || true
        for ((i = 0; i < 100; i++)); do
            [[ -d /proc/$pid ]] || break
            sleep 0.1
        done
        if [[ -d /proc/$pid ]]; then
            say "asterisk did not stop in 10 s: SIGTERM"
            kill -TERM "$pid" 2>/dev/null || true
            sleep 2
        fi
    fi
    pids=$(chroot_pids)
    if [[ -n $pids ]]; then
        say "killing leftovers in the chroot: $(echo $pids)"
        # shellcheck disable=SC2086
        kill -KILL $pids 2>/dev/null || true
        for ((i = 0; i < 50; i++)); do
            [[ -z $(chroot_pids) ]] && break
            sleep 0.1
        done
    fi
    rm -f "$ROOT/run/asterisk/asterisk.pid" "$ROOT/run/asterisk/asterisk.ctl"
}

down() {
    need_root
    lock
    [[ -d $ROOT ]] || {
        say "no lab chroot at $ROOT; nothing to do"
        return 0
    }
    stop
    local left
    left=$(mounts_under "$ROOT")
    if [[ -n $left ]]; then
        say "unmounting leftovers: $(echo $left)"
        echo "$left" | sort -r | while read -r m; do umount -l "$m" || true; done
    fi
    [[ -z $(chroot_pids) ]] || die "processes still running in $ROOT: $(echo $(chroot_pids))"
    [[ -z $(mounts_under "$ROOT") ]] || die "still mounted under $ROOT"
    ! ari_ok || die "something still answers on $ARI_URL"
    say "asterisk down; nothing running or mounted"
}

status() {
    local pid
    if pid=$(asterisk_pid); then
        echo "asterisk: running (pid $pid, root $ROOT)"
        if ari_ok; then echo "ari: answers on $ARI_URL (user $ARI_USER)"; else echo "ari: NOT answering"; fi
        printf '%s\n' "$(rx 'core show uptime')" "$(rx 'core show channels count')" | sed 's/^/  /'
        return 0
    fi
    echo "asterisk: not running"
    if [[ -f $BUILT_MARK ]]; then echo "chroot: $ROOT"; else echo "chroot: not built"; fi
    if [[ -f $CACHE_TAR ]]; then echo "cache: $CACHE_TAR"; else echo "cache: none"; fi
    return 3
}

cli() {
    need_root
    [[ $# -ge 1 ]] || die "usage: $0 cli \"<asterisk command>\""
    asterisk_pid >/dev/null || die "asterisk is not running (run: $0 up)"
    local out
    out=$(rx "$*")
    printf '%s\n' "$out"
}

logs() {
    local n=${1:-100} f=$ROOT/var/log/asterisk/messages.log
    [[ -f $f ]] || die "no log yet ($f)"
    tail -n "$n" "$f"
}

usage() {
    sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

cmd=${1:-}
[[ $# -gt 0 ]] && shift
case $cmd in
build)
    need_root
    lock
    build
    ;;
up) up ;;
down) down ;;
status) status ;;
cli) cli "$@" ;;
logs) logs "$@" ;;
-h | --help | help) usage ;;
*)
    usage >&2
    exit 2
    ;;
esac
