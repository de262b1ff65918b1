// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Reference exit loop in C for scripts/bench-exits. Runs the same flat guest binary as the Java
 * benchmark (vmm/src/test/guests/exit_bench.S): N port-I/O round trips (IN from port 0x10), then
 * N MMIO round trips (byte read at 0xd0000), each answered by this loop. Timestamps are taken
 * every BATCH exits after WARMUP exits; it prints the ns per exit of each batch.
 *
 * Usage: exit_bench GUEST.bin BATCHES BATCH WARMUP
 * Output: one line per phase, "c pio ns1 ns2 ..." and "c mmio ns1 ns2 ...".
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define RAM_SIZE 0x80000UL   /* 512 KiB: 0xd0000 is outside RAM, so reads there exit as MMIO */
#define LOAD_ADDRESS 0x1000
#define PIO_PORT 0x10
#define MMIO_ADDRESS 0xd0000

static void die(const char *what) {
    fprintf(stderr, "exit_bench: %s: %s\n", what, strerror(errno));
    exit(1);
}

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Counts one exit of a phase; returns the reply (1: go on, 0: phase over) and records stamps. */
struct phase {
    long count, total, warmup, batch;
    uint64_t *stamps;
    int nstamps;
};

static int step(struct phase *p) {
    p->count++;
    if (p->count % p->batch == 0 && p->count >= p->warmup) {   /* same rule as ExitBench.java */
        p->stamps[p->nstamps++] = now_ns();
    }
    return p->count < p->total;
}

static void report(const char *name, struct phase *p) {
    printf("c %s", name);
    for (int i = 1; i < p->nstamps; i++) {
        printf(" %.1f", (double)(p->stamps[i] - p->stamps[i - 1]) / (double)p->batch);
    }
    printf("\n");
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: exit_bench GUEST.bin BATCHES BATCH WARMUP\n");
        return 2;
    }
    long batches = atol(argv[2]), batch = atol(argv[3]), warmup = atol(argv[4]);
    struct phase pio = {0, warmup + batches * batch, warmup, batch, calloc(batches + 1, 8), 0};
    struct phase mmio = {0, warmup + batches * batch, warmup, batch, calloc(batches + 1, 8), 0};

    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0) die("open /dev/kvm");
    int vm = ioctl(kvm, KVM_CREATE_VM, 0);
    if (vm < 0) die("KVM_CREATE_VM");
    uint8_t *ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE,
                        MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (ram == MAP_FAILED) die("mmap RAM");
    FILE *f = fopen(argv[1], "rb");
    if (!f) die(argv[1]);
    fread(ram + LOAD_ADDRESS, 1, RAM_SIZE - LOAD_ADDRESS, f);
    fclose(f);
    struct kvm_userspace_memory_region region = {0, 0, 0, RAM_SIZE, (uint64_t)ram};
    if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0) die("KVM_SET_USER_MEMORY_REGION");
    int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
    if (vcpu < 0) die("KVM_CREATE_VCPU");
    int run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    struct kvm_run *run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
    if (run == MAP_FAILED) die("mmap kvm_run");

    /* Real mode, CS = 0, IP = LOAD_ADDRESS: the state GuestSetup.realMode gives the Java side. */
    struct kvm_sregs sregs;
    if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0) die("KVM_GET_SREGS");
    struct kvm_segment *segs[] = {&sregs.cs, &sregs.ds, &sregs.es, &sregs.fs, &sregs.gs, &sregs.ss};
    for (int i = 0; i < 6; i++) {
        segs[i]->base = 0;
        segs[i]->selector = 0;
        segs[i]->limit = 0xffff;
        segs[i]->type = i == 0 ? 0xb : 0x3;
    }
    if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0) die("KVM_SET_SREGS");
    struct kvm_regs regs = {0};
    regs.rip = LOAD_ADDRESS;
    regs.rsp = 0x8000;
    regs.rflags = 2;
    if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0) die("KVM_SET_REGS");

    for (;;) {
        if (ioctl(vcpu, KVM_RUN, 0) < 0) {
            if (errno == EINTR) continue;
            die("KVM_RUN");
        }
        if (run->exit_reason == KVM_EXIT_IO && run->io.port == PIO_PORT && run->io.direction == KVM_EXIT_IO_IN) {
            *((uint8_t *)run + run->io.data_offset) = (uint8_t)step(&pio);
        } else if (run->exit_reason == KVM_EXIT_MMIO && !run->mmio.is_write && run->mmio.phys_addr == MMIO_ADDRESS) {
            memset(run->mmio.data, 0, sizeof run->mmio.data);
            run->mmio.data[0] = (uint8_t)step(&mmio);
        } else if (run->exit_reason == KVM_EXIT_HLT) {
            break;
        } else {
            fprintf(stderr, "exit_bench: unexpected exit %u\n", run->exit_reason);
            return 1;
        }
    }
    report("pio", &pio);
    report("mmio", &mmio);
    return 0;
}
