// SPDX-License-Identifier: GPL-2.0-or-later
// Diagnostic for the Hyper-V lab: asks /dev/kvm (KVM_CHECK_EXTENSION) for the capabilities the
// Hyper-V enlightenments need and prints one "NAME(number)=value" line each. Exits 0 only when all
// are non-zero, so it fails on this machine's own /dev/kvm and passes inside scripts/hvlab.
// Build: gcc -O1 -o kvm-caps scripts/lab/kvm-caps.c
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

struct cap {
    const char *name;
    int number; // spelled out: the 6.1 headers lack some names newer kernels define
};

static const struct cap caps[] = {
    {"KVM_CAP_HYPERV", 44},
    {"KVM_CAP_HYPERV_SYNIC2", 148},
    {"KVM_CAP_HYPERV_CPUID", 167},
    {"KVM_CAP_SYS_HYPERV_CPUID", 191},
    {"KVM_CAP_HYPERV_ENFORCE_CPUID", 199},
};

int main(void) {
    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0) {
        fprintf(stderr, "kvm-caps: cannot open /dev/kvm: %s\n", strerror(errno));
        return 2;
    }
    printf("KVM_GET_API_VERSION=%d\n", ioctl(kvm, KVM_GET_API_VERSION, 0));
    int missing = 0;
    for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
        int value = ioctl(kvm, KVM_CHECK_EXTENSION, caps[i].number);
        printf("%s(%d)=%d\n", caps[i].name, caps[i].number, value);
        if (value <= 0) missing++;
    }
    close(kvm);
    if (missing) fprintf(stderr, "kvm-caps: %d Hyper-V capabilities missing\n", missing);
    return missing ? 1 : 0;
}
