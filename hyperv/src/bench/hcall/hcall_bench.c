// SPDX-License-Identifier: GPL-2.0-or-later
// Hypercall benchmark guest for scripts/bench-hypercalls. Identical under jvmm and QEMU: it sets
// up the Hyper-V hypercall page (and, when the CPUID offers it, the SynIC's SCONTROL/SIMP/SIEFP as
// Linux does), then times each hypercall with the TSC and prints per-call cycle statistics on
// COM1. The calls:
//   inkernel      an unknown call code (0x0099): KVM answers it itself, the reference
//   signal-fast   HvSignalEvent, fast, connection 0x100 (no eventfd: KVM hands it to userspace)
//   signal-slow   HvSignalEvent with its 8-byte input in RAM (see signal_input below)
//   post-slow     HvPostMessage with its 256-byte input in RAM, connection 0x100
//   post-fast     HvPostMessage, fast (the VMM answers "invalid code")
// KVM only lets the last four reach userspace when the VMM enabled the SynIC (KVM's
// kvm_hv_hypercall); without it they are answered in the kernel too.
// No VMM registers connection 0x100, so every call fails the same way in both VMMs and the cost
// is the exit round trip and the lookup. All calls are first warmed up together (the JIT of a
// Java VMM settles), then timed interleaved, one of each in turn, so that whatever else the
// machine does falls on every call alike. The TSC rate comes from the Hyper-V reference counter
// (100 ns units) read at the start and the end. Ends by writing to the debug-exit port 0x501.
typedef unsigned long u64;
typedef unsigned int u32;
typedef unsigned short u16;
typedef unsigned char u8;

#ifndef CALLS
#define CALLS 4000          /* timed calls of each kind */
#endif
#ifndef WARMUP
#define WARMUP 10000        /* untimed rounds of every kind first */
#endif
#define COM1 0x3f8
#define DEBUG_EXIT 0x501
#define HV_FAST (1UL << 16)
#define CONNECTION 0x100
#define OUTSIDE_RAM 0x1000000000UL  /* 64 GiB: no RAM, no device in either VMM */

static u8 hypercall_page[4096] __attribute__((aligned(4096)));
static u8 simp[4096] __attribute__((aligned(4096)));
static u8 siefp[4096] __attribute__((aligned(4096)));
static u32 post_input[64] __attribute__((aligned(256)));
/*
 * KVM (since the kvm_hv_hcall rework of Linux 5.13) reads the 8 bytes of a slow SignalEvent itself
 * and hands userspace that value in place of the address; QEMU 7.2 and jvmm then read guest memory
 * at the value again. So the input holds the address of a word holding the connection id: both
 * VMMs then see connection 0x100, as they would with the address.
 */
static u64 signal_target __attribute__((aligned(8)));
static u64 signal_input __attribute__((aligned(8)));

struct call {
    const char *name;
    u64 control;
    u64 input;
    u64 status;
    u32 cycles[CALLS];
};
static struct call calls[6];
static int ncalls;

static inline void outb(u16 port, u8 v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline u8 inb(u16 port) { u8 v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }

static inline u64 rdtsc(void) {
    u32 lo, hi;
    __asm__ volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi) : : "memory");
    return ((u64) hi << 32) | lo;
}

static inline u64 rdmsr(u32 msr) {
    u32 lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((u64) hi << 32) | lo;
}

static inline void wrmsr(u32 msr, u64 v) {
    __asm__ volatile("wrmsr" : : "c"(msr), "a"((u32) v), "d"((u32) (v >> 32)) : "memory");
}

static inline void cpuid(u32 leaf, u32 *a, u32 *b, u32 *c, u32 *d) {
    __asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(0));
}

/* A call through the hypercall page: control in RCX, input in RDX, output in R8; status in RAX. */
static inline u64 hypercall(u64 control, u64 input, u64 output) {
    register u64 r8 __asm__("r8") = output;
    u64 status;
    __asm__ volatile("call *%[page]"
                     : "=a"(status), "+c"(control), "+d"(input), "+r"(r8)
                     : [page] "r"(hypercall_page)
                     : "memory", "cc", "r9", "r10", "r11");
    return status;
}

static void putc_serial(char c) {
    while (!(inb(COM1 + 5) & 0x20)) {
    }
    outb(COM1, (u8) c);
}

static void puts_serial(const char *s) {
    while (*s) {
        putc_serial(*s++);
    }
}

static void putu(u64 v) {
    char buf[24];
    int n = 0;
    do {
        buf[n++] = (char) ('0' + v % 10);
        v /= 10;
    } while (v);
    while (n) {
        putc_serial(buf[--n]);
    }
}

static void puthex(u64 v) {
    static const char digits[] = "0123456789abcdef";
    puts_serial("0x");
    for (int shift = 12; shift >= 0; shift -= 4) {
        putc_serial(digits[(v >> shift) & 0xf]);
    }
}

/* Shell sort: no library, and fast enough for a few thousand values. */
static void sort(u32 *v, int n) {
    for (int gap = n / 2; gap > 0; gap /= 2) {
        for (int i = gap; i < n; i++) {
            u32 x = v[i];
            int j = i;
            for (; j >= gap && v[j - gap] > x; j -= gap) {
                v[j] = v[j - gap];
            }
            v[j] = x;
        }
    }
}

static void add(const char *name, u64 control, u64 input) {
    struct call *c = &calls[ncalls++];
    c->name = name;
    c->control = control;
    c->input = input;
}

static void measure_all(void) {
    for (int k = 0; k < ncalls; k++) {
        calls[k].status = hypercall(calls[k].control, calls[k].input, 0);
    }
    for (int i = 0; i < WARMUP; i++) {
        for (int k = 0; k < ncalls; k++) {
            hypercall(calls[k].control, calls[k].input, 0);
        }
    }
    for (int i = 0; i < CALLS; i++) {
        for (int k = 0; k < ncalls; k++) {
            u64 t0 = rdtsc();
            hypercall(calls[k].control, calls[k].input, 0);
            u64 t1 = rdtsc();
            calls[k].cycles[i] = (u32) (t1 - t0);
        }
    }
}

static void report(const struct call *c) {
    puts_serial("hcbench call=");
    puts_serial(c->name);
    puts_serial(" status=");
    puthex(c->status & 0xffff);
    puts_serial(" n=");
    putu(CALLS);
    puts_serial(" p10=");
    putu(c->cycles[CALLS / 10]);
    puts_serial(" median=");
    putu(c->cycles[CALLS / 2]);
    puts_serial(" p90=");
    putu(c->cycles[CALLS * 9 / 10]);
    puts_serial("\n");
}

static void check(const char *name, u64 control, u64 input) {
    puts_serial("hcbench check=");
    puts_serial(name);
    puts_serial(" status=");
    puthex(hypercall(control, input, 0) & 0xffff);
    puts_serial("\n");
}

static void finish(u8 code) {
    outb(DEBUG_EXIT, code);
    for (;;) {
        __asm__ volatile("cli; hlt");
    }
}

void bench_main(void) {
    u32 a, b, c, d;
    cpuid(0x40000000, &a, &b, &c, &d);
    if (b != 0x7263694d || c != 0x666f736f || d != 0x76482074) { /* "Microsoft Hv" */
        puts_serial("hcbench error=no-hyper-v-signature\n");
        finish(0x20);
    }
    cpuid(0x40000003, &a, &b, &c, &d);
    int synic = (a >> 2) & 1;       /* HV_MSR_SYNIC_AVAILABLE */
    if (!((a >> 1) & 1)) {          /* HV_MSR_TIME_REF_COUNT_AVAILABLE, for the TSC rate */
        puts_serial("hcbench error=no-reference-counter\n");
        finish(0x21);
    }
    wrmsr(0x40000000, 0x8100UL << 48);                      /* guest OS id: Linux */
    wrmsr(0x40000001, (u64) hypercall_page | 1);            /* hypercall page */
    if (synic) {
        wrmsr(0x40000083, (u64) simp | 1);                  /* SIMP */
        wrmsr(0x40000082, (u64) siefp | 1);                 /* SIEFP */
        wrmsr(0x40000080, 1);                               /* SCONTROL: enabled */
    }
    post_input[0] = CONNECTION;
    post_input[2] = 1;              /* message type */
    post_input[3] = 16;             /* payload bytes */
    signal_target = CONNECTION;
    signal_input = (u64) &signal_target;

    puts_serial("hcbench start synic=");
    putu(synic);
    puts_serial("\n");
    u64 ref0 = rdmsr(0x40000020), tsc0 = rdtsc();
    add("inkernel", 0x0099, 0);
    add("signal-fast", 0x5d | HV_FAST, CONNECTION);
    add("signal-slow", 0x5d, (u64) &signal_input);
    add("post-slow", 0x5c, (u64) post_input);
    add("post-fast", 0x5c | HV_FAST, CONNECTION);
    measure_all();
    u64 ref1 = rdmsr(0x40000020), tsc1 = rdtsc();
    for (int k = 0; k < ncalls; k++) {
        sort(calls[k].cycles, CALLS);
        report(&calls[k]);
    }
    check("post-outside-ram", 0x5c, OUTSIDE_RAM);
    check("post-misaligned", 0x5c, (u64) post_input + 2);
    check("signal-outside-ram", 0x5d, OUTSIDE_RAM);
    puts_serial("hcbench clock tsc=");
    putu(tsc1 - tsc0);
    puts_serial(" ref100ns=");
    putu(ref1 - ref0);
    puts_serial("\nhcbench done\n");
    finish(0x10);
}
