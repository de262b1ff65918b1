// SPDX-License-Identifier: GPL-2.0-or-later
// Reads what extensions set up before the guest starts: CPUID leaf 0x40000000 (EAX, EBX, ECX,
// EDX to port 0x60, in that order) and MSR IA32_SYSENTER_CS (0x174, low dword to port 0x61).
    .code16
    .text
    .globl _start
_start:
    mov $0x40000000, %eax
    xor %ecx, %ecx
    cpuid
    out %eax, $0x60
    mov %ebx, %eax
    out %eax, $0x60
    mov %ecx, %eax
    out %eax, $0x60
    mov %edx, %eax
    out %eax, $0x60
    mov $0x174, %ecx
    rdmsr
    out %eax, $0x61
    hlt
