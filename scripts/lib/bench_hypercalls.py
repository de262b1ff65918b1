# SPDX-License-Identifier: GPL-2.0-or-later
"""Driver of scripts/bench-hypercalls: boots the guest under jvmm and QEMU in turn, collects the
guest's "hcbench" lines and prints medians, ratios and statuses. Run by that script only."""
import argparse, re, shlex, statistics, subprocess, sys, time

CONFIGS = {
    "synic": "kvm=off,hv-relaxed,hv-vapic,hv-spinlocks=0x1fff,hv-vpindex,hv-runtime,hv-synic,"
             "hv-stimer,hv-reset,hv-frequencies,hv-time",
    "nosynic": "kvm=off,hv-relaxed,hv-vpindex,hv-time",
}
USERSPACE = ["signal-fast", "signal-slow", "post-slow", "post-fast"]
REFERENCE = "inkernel"
MEMORY = "64M"
LIMIT = 900  # seconds for one boot: the lab is slow, but not that slow
DONE_EXIT = (0x10 << 1) | 1  # the guest's debug-exit value 0x10, as both VMMs report it

CALL = re.compile(r"^hcbench call=(\S+) status=(0x[0-9a-f]+) n=(\d+) p10=(\d+) median=(\d+) p90=(\d+)")
CHECK = re.compile(r"^hcbench check=(\S+) status=(0x[0-9a-f]+)")
CLOCK = re.compile(r"^hcbench clock tsc=(\d+) ref100ns=(\d+)")


def command(vmm, args, flags, cpus):
    if vmm == "jvmm":
        return shlex.split(args.jvmm) + ["run", "--kernel", args.guest, "--memory", MEMORY, "--cpus", str(cpus),
                                         "--hv", flags, "--timeout", f"{LIMIT}s"]
    return ["qemu-system-x86_64", "-accel", "kvm", "-cpu", "host,migratable=off," + flags,
            "-machine", "pc,hpet=off", "-m", MEMORY, "-smp", str(cpus), "-nodefaults", "-no-user-config",
            "-display", "none", "-serial", "stdio", "-no-reboot",
            "-device", "isa-debug-exit,iobase=0x501,iosize=1", "-kernel", args.guest]


def one(vmm, args, flags, cpus):
    """Boots once; returns {call: (status, median ns, p10 ns, p90 ns)}, {check: status}, seconds."""
    cmd = command(vmm, args, flags, cpus)
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=LIMIT + 60)
    except subprocess.TimeoutExpired:
        sys.exit(f"bench-hypercalls: {vmm} did not finish within {LIMIT + 60} s: {shlex.join(cmd)}")
    seconds = time.monotonic() - t0
    lines = p.stdout.replace("\r", "").splitlines()
    clock = next((CLOCK.match(l) for l in lines if CLOCK.match(l)), None)
    if p.returncode != DONE_EXIT or clock is None or "hcbench done" not in lines:
        tail = "\n".join((p.stdout + p.stderr).splitlines()[-15:])
        sys.exit(f"bench-hypercalls: {vmm} ended with exit {p.returncode} before the guest finished: "
                 f"{shlex.join(cmd)}\n{tail}")
    ns_per_cycle = int(clock.group(2)) * 100 / int(clock.group(1))
    calls = {}
    for l in lines:
        m = CALL.match(l)
        if m:
            calls[m.group(1)] = (m.group(2), int(m.group(5)) * ns_per_cycle, int(m.group(4)) * ns_per_cycle,
                                 int(m.group(6)) * ns_per_cycle)
    checks = {m.group(1): m.group(2) for m in (CHECK.match(l) for l in lines) if m}
    return calls, checks, seconds


def main():
    ap = argparse.ArgumentParser()
    for o in ("--rounds", "--cpus", "--configs", "--guest", "--jvmm"):
        ap.add_argument(o, required=True)
    args = ap.parse_args()
    cpus_list = [int(c) for c in args.cpus.split()]
    configs = args.configs.split()
    vmms = ["jvmm", "qemu"]
    print(f"jvmm: {args.jvmm}", flush=True)
    runs = {}  # (config, cpus, vmm) -> list of calls dicts
    checks = {}
    for r in range(int(args.rounds)):
        for config in configs:
            for cpus in cpus_list:
                order = vmms if r % 2 == 0 else list(reversed(vmms))
                for vmm in order:
                    calls, chk, seconds = one(vmm, args, CONFIGS[config], cpus)
                    runs.setdefault((config, cpus, vmm), []).append(calls)
                    checks.setdefault((config, cpus, vmm), chk)
                    summary = " ".join(f"{c}={calls[c][1] / 1000:.1f}" for c in [REFERENCE] + USERSPACE)
                    print(f"round {r + 1} {config} cpus={cpus} {vmm}: {summary} (µs, median) in {seconds:.1f} s",
                          flush=True)
    print()
    print("per-call medians in µs (median over rounds of each run's median); ratios of those medians")
    print(f"{'config':8} {'cpus':>4} {'call':12} {'jvmm':>8} {'qemu':>8} {'jvmm/qemu':>9} "
          f"{'jvmm/ref':>8} {'qemu/ref':>8} {'status jvmm qemu':>17}")
    worst = 0.0
    disagreements = []
    for config in configs:
        for cpus in cpus_list:
            med = {}
            for vmm in vmms:
                rs = runs[(config, cpus, vmm)]
                med[vmm] = {c: statistics.median(x[c][1] for x in rs) for c in rs[0]}
            for call in [REFERENCE] + USERSPACE:
                j, q = med["jvmm"][call], med["qemu"][call]
                sj = runs[(config, cpus, "jvmm")][0][call][0]
                sq = runs[(config, cpus, "qemu")][0][call][0]
                if sj != sq:
                    disagreements.append(f"{config} cpus={cpus} {call}: jvmm {sj}, qemu {sq}")
                if call in USERSPACE and config == "synic":  # without the SynIC KVM answers them
                    worst = max(worst, j / q)
                print(f"{config:8} {cpus:4} {call:12} {j / 1000:8.2f} {q / 1000:8.2f} {j / q:9.2f} "
                      f"{j / med['jvmm'][REFERENCE]:8.2f} {q / med['qemu'][REFERENCE]:8.2f} {sj:>8} {sq:>6}")
            for name in checks[(config, cpus, "jvmm")]:
                sj = checks[(config, cpus, "jvmm")][name]
                sq = checks[(config, cpus, "qemu")].get(name)
                if sj != sq:
                    disagreements.append(f"{config} cpus={cpus} {name}: jvmm {sj}, qemu {sq}")
                print(f"{config:8} {cpus:4} {name:28} status jvmm {sj} qemu {sq}")
    if "synic" in configs:
        print(f"worst jvmm/qemu over the calls that reached userspace (synic rows): {worst:.2f}")
    if disagreements:
        print("statuses that differ: " + "; ".join(disagreements))
        sys.exit(1)
    print("every status agrees")


main()
