#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Builds the hypercall benchmark guest: build.sh OUTDIR -> OUTDIR/hcall_bench.elf
# JVMM_HCBENCH_CFLAGS="-DCALLS=500 -DWARMUP=100" makes a shorter run (e.g. under strace).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$1
mkdir -p "$out"
flags=(-O2 -ffreestanding -fno-pic -fno-pie -fno-stack-protector -mno-red-zone -mgeneral-regs-only
       -fno-asynchronous-unwind-tables -nostdlib -static -no-pie -Wall -Werror)
gcc "${flags[@]}" -c "$here/start.S" -o "$out/start.o"
gcc "${flags[@]}" ${JVMM_HCBENCH_CFLAGS:-} -c "$here/hcall_bench.c" -o "$out/hcall_bench.o"
ld -m elf_x86_64 -T "$here/guest.ld" -z max-page-size=4096 --no-warn-rwx-segments -o "$out/hcall_bench.elf" "$out/start.o" "$out/hcall_bench.o"
