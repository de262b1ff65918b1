// SPDX-License-Identifier: GPL-2.0-or-later
// Exits whose numbers the census test knows in advance, in long mode: 5 byte writes to port
// 0x60, 3 byte reads of port 0x61, 4 dword writes to 0xd0000 and 2 dword reads of 0xd0004
// (outside the test's 512 KiB of RAM), then HLT. Each of those instructions is one exit, and
// LOOP keeps each count in one place. Long mode, not real mode: a KVM without unrestricted
// guest support emulates real-mode code, and emulated port I/O is not in KVM's io_exits.
    .code64
    .text
    .globl _start
_start:
    mov $5, %ecx
1:  out %al, $0x60
    loop 1b
    mov $3, %ecx
2:  in $0x61, %al
    loop 2b
    mov $4, %ecx
3:  mov %ecx, 0xd0000
    loop 3b
    mov $2, %ecx
4:  mov 0xd0004, %eax
    loop 4b
    hlt
