# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by the scripts in scripts/: find a JDK >= 22 and Maven, installing Maven if missing.
# Source it; it defines jvmm_die, jvmm_find_jdk, jvmm_ensure_maven and JVMM_ROOT.

JVMM_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
JVMM_MIN_JDK=22

jvmm_die() { echo "jvmm: $*" >&2; exit 1; }

# Prints the feature release of the JDK at $1 (e.g. 25), or nothing if it is not a JDK.
jvmm_jdk_release() {
  local home="$1"
  [ -x "$home/bin/javac" ] && [ -x "$home/bin/java" ] || return 0
  local line
  line=$(grep -E '^JAVA_VERSION=' "$home/release" 2>/dev/null | head -n1)
  line=${line#JAVA_VERSION=}; line=${line//\"/}
  if [ -z "$line" ]; then
    line=$("$home/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
  fi
  line=${line#1.}
  echo "${line%%[.+-]*}"
}

# Exports JAVA_HOME pointing at a JDK >= 22: JAVA_HOME if it qualifies, else the newest in /usr/lib/jvm.
jvmm_find_jdk() {
  local rel best="" best_rel=0 candidate
  if [ -n "${JAVA_HOME:-}" ]; then
    rel=$(jvmm_jdk_release "$JAVA_HOME")
    if [ -n "$rel" ] && [ "$rel" -ge "$JVMM_MIN_JDK" ]; then export JAVA_HOME; return 0; fi
  fi
  for candidate in /usr/lib/jvm/*/; do
    candidate=${candidate%/}
    [ -L "$candidate" ] && continue
    rel=$(jvmm_jdk_release "$candidate")
    if [ -n "$rel" ] && [ "$rel" -ge "$JVMM_MIN_JDK" ] && [ "$rel" -gt "$best_rel" ]; then
      best="$candidate"; best_rel="$rel"
    fi
  done
  [ -n "$best" ] || jvmm_die "no JDK >= $JVMM_MIN_JDK found in JAVA_HOME or /usr/lib/jvm; install one (e.g. Temurin 25: apt-get install temurin-25-jdk) or set JAVA_HOME"
  export JAVA_HOME="$best"
}

# Makes sure `mvn` exists, installing Debian's maven package when it does not.
jvmm_ensure_maven() {
  command -v mvn >/dev/null 2>&1 && return 0
  command -v apt-get >/dev/null 2>&1 || jvmm_die "Maven (mvn) is not installed and apt-get is unavailable; install Maven 3.8 or newer"
  echo "jvmm: installing Maven with apt-get" >&2
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq maven; } >/dev/null 2>&1 \
    || jvmm_die "could not install Maven with apt-get (package source unreachable?)"
}

# jvmm_kvm_place NEED: where work that needs NEED runs, "direct" (this host's /dev/kvm) or "lab"
# (scripts/hvlab), in JVMM_PLACE, with the reason in JVMM_PLACE_WHY. NEED is "kvm" (any usable
# KVM: tiny test guests) or "hyperv" (KVM with Hyper-V and HV CPUID, as the lab's, which also
# boots a stock kernel). The answer comes from `jvmm probe --json`, which builds jvmm if needed;
# JVMM_KVM_MODE (for kvm) and JVMM_LAB_MODE (for hyperv) = direct|lab force it.
jvmm_kvm_place() {
  local need=$1 forced json err rc=0
  case "$need" in
    kvm) forced=${JVMM_KVM_MODE:-} ;;
    hyperv) forced=${JVMM_LAB_MODE:-} ;;
    *) jvmm_die "jvmm_kvm_place: unknown need '$need'" ;;
  esac
  if [ -n "$forced" ]; then
    [ "$forced" = direct ] || [ "$forced" = lab ] || jvmm_die "JVMM_KVM_MODE/JVMM_LAB_MODE must be direct or lab, not '$forced'"
    JVMM_PLACE=$forced JVMM_PLACE_WHY="forced by the environment"
    return 0
  fi
  # One probe per script: its answer does not change while the script runs (a JVM start saved).
  if [ -z "${_jvmm_probe_done:-}" ]; then
    err=$(mktemp)
    _jvmm_probe_rc=0
    _jvmm_probe_json=$("$JVMM_ROOT/scripts/jvmm" probe --json 2>"$err") || _jvmm_probe_rc=$?
    _jvmm_probe_err=$(head -n1 "$err")
    rm -f "$err"
    _jvmm_probe_done=1
  fi
  json=$_jvmm_probe_json rc=$_jvmm_probe_rc
  if [ "$rc" -ne 0 ]; then
    # Without a usable KVM, probe still prints its document (reason.message) and exits non-zero.
    JVMM_PLACE_WHY=$(sed -n 's/^ *"message" : "\(.*\)",\{0,1\}$/\1/p' <<<"$json" | head -n1)
    [ -n "$JVMM_PLACE_WHY" ] || JVMM_PLACE_WHY=$_jvmm_probe_err
    JVMM_PLACE=lab JVMM_PLACE_WHY="this host has no usable KVM (${JVMM_PLACE_WHY:-jvmm probe exit $rc})"
  elif [ "$need" = kvm ]; then
    JVMM_PLACE=direct JVMM_PLACE_WHY="this host's /dev/kvm is usable"
  elif grep -q '"KVM_CAP_HYPERV" : [1-9]' <<<"$json" && grep -q '"KVM_CAP_HYPERV_CPUID" : [1-9]' <<<"$json"; then
    JVMM_PLACE=direct JVMM_PLACE_WHY="this host's KVM has Hyper-V"
  else
    JVMM_PLACE=lab JVMM_PLACE_WHY="this host's KVM lacks Hyper-V (KVM_CAP_HYPERV is 0)"
  fi
}

# Installs Debian packages for the programs the tests use as oracles when they are missing:
# iasl (acpica-tools) disassembles and recompiles jvmm's ACPI tables; qemu-system-x86_64
# (qemu-system-x86, which the lab needs as well) answers the same QMP input as jvmm.
jvmm_ensure_test_tools() {
  local need=() tool
  for tool in iasl:acpica-tools qemu-system-x86_64:qemu-system-x86; do
    command -v "${tool%%:*}" >/dev/null 2>&1 || need+=("${tool#*:}")
  done
  [ ${#need[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null 2>&1 || jvmm_die "${need[*]} missing and apt-get is unavailable; install them"
  echo "jvmm: installing ${need[*]} with apt-get" >&2
  { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" \
      || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"; }; } >/dev/null 2>&1 \
    || jvmm_die "could not install ${need[*]} with apt-get (package source unreachable?)"
}
