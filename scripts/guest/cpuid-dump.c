// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cpuid-dump: prints the hypervisor CPUID leaves the guest sees, one line per leaf, as
 *   cpuid 0x40000000 0x0: eax=0x... ebx=0x... ecx=0x... edx=0x...
 * Ranges: 0x40000000 up to its EAX (the Hyper-V or KVM maximum), 0x40000080..0x40000082 (the
 * Hyper-V synthetic debugger leaves), and 0x40000100 up to its EAX (where KVM moves its own
 * signature when Hyper-V takes 0x40000000), each capped at 0x100 leaves. Busybox has no cpuid
 * tool, and the test guest has no libc: this builds with gcc -static -nostdlib, so it talks to
 * the kernel with raw system calls.
 */
typedef unsigned int u32;

static long sys_write(int fd, const void *buf, unsigned long len) {
    long ret;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(1L), "D"((long) fd), "S"(buf), "d"(len) : "rcx", "r11", "memory");
    return ret;
}

static __attribute__((noreturn)) void sys_exit(int code) {
    for (;;) {
        __asm__ volatile("syscall" : : "a"(231L), "D"((long) code) : "rcx", "r11", "memory");
    }
}

static void cpuid(u32 leaf, u32 subleaf, u32 r[4]) {
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(subleaf));
}

static char *put_str(char *p, const char *s) {
    while (*s) {
        *p++ = *s++;
    }
    return p;
}

/* Fixed width, so lines compare as text: 0x%08x. */
static char *put_hex(char *p, u32 v) {
    static const char digits[] = "0123456789abcdef";
    *p++ = '0';
    *p++ = 'x';
    for (int shift = 28; shift >= 0; shift -= 4) {
        *p++ = digits[(v >> shift) & 0xf];
    }
    return p;
}

static void dump(u32 leaf) {
    static const char *const names[4] = {" eax=", " ebx=", " ecx=", " edx="};
    u32 r[4];
    char line[128];
    char *p = line;
    cpuid(leaf, 0, r);
    p = put_str(p, "cpuid ");
    p = put_hex(p, leaf);
    p = put_str(p, " 0x0:");
    for (int i = 0; i < 4; i++) {
        p = put_str(p, names[i]);
        p = put_hex(p, r[i]);
    }
    *p++ = '\n';
    sys_write(1, line, (unsigned long) (p - line));
}

/* Dumps base..max, where max is base's EAX when it lies in [base, base + 0xff], else base + min_extra. */
static void dump_range(u32 base, u32 min_extra) {
    u32 r[4];
    cpuid(base, 0, r);
    u32 last = base + min_extra;
    if (r[0] > last && r[0] <= base + 0xff) {
        last = r[0];
    }
    for (u32 leaf = base; leaf <= last; leaf++) {
        dump(leaf);
    }
}

int main(void) {
    dump_range(0x40000000, 0);
    for (u32 leaf = 0x40000080; leaf <= 0x40000082; leaf++) {
        dump(leaf);
    }
    dump_range(0x40000100, 1);
    return 0;
}

/* The kernel enters here with argc at (%rsp); align the stack as a call would and run main. */
__attribute__((noreturn, used)) void start_c(void) {
    sys_exit(main());
}
__asm__(".globl _start\n_start:\n\txor %ebp, %ebp\n\tand $-16, %rsp\n\tcall start_c\n\thlt\n");
