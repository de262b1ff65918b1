// SPDX-License-Identifier: GPL-2.0-or-later
// Waits, in long mode, for RAM to appear at 4 GiB + 128 MiB (the second chunk of the hot-plug
// area of a machine that booted with little RAM): until the host plugs it, the read there is
// unclaimed MMIO (all ones). Once it reads the host's 0x12345678, it reports how many reads it
// took on port 0x50, writes 0x600dcafe at 4 GiB + 8 (the first chunk) for the host to find,
// and halts. The test maps 4..6 GiB in its page tables.
    .code64
    .text
    .globl _start
_start:
    mov $0x108000000, %rdi
    mov $0x100000008, %rsi
    xor %ecx, %ecx
1:  inc %ecx
    mov (%rdi), %eax
    cmp $0x12345678, %eax
    jne 1b
    mov %ecx, %eax
    out %eax, $0x50
    movl $0x600dcafe, (%rsi)
    hlt
