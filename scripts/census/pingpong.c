// SPDX-License-Identifier: GPL-2.0-or-later
// pingpong SECONDS: an IPI-heavy load for the census study (scripts/census-study). Two processes,
// pinned to CPUs 0 and 1, hand one byte back and forth over two pipes for SECONDS: every hand-off
// wakes a task on the other CPU, which is idle (halted) by then, so each round trip costs two
// wake-up IPIs. Prints "pingpong: N round trips in S s". Built static by census-study.
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void pin(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) {
        perror("pingpong: sched_setaffinity");
        exit(1);
    }
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    double seconds = argc > 1 ? atof(argv[1]) : 60;
    int there[2], back[2];
    char b = 'x';
    if (seconds <= 0 || pipe(there) || pipe(back)) {
        fprintf(stderr, "usage: pingpong SECONDS\n");
        return 2;
    }
    pid_t child = fork();
    if (child < 0) {
        perror("pingpong: fork");
        return 1;
    }
    if (child == 0) {
        pin(1);
        while (read(there[0], &b, 1) == 1 && b != 'q') {
            if (write(back[1], &b, 1) != 1) {
                return 1;
            }
        }
        return 0;
    }
    pin(0);
    long trips = 0;
    double start = now(), end = start + seconds;
    while ((trips & 255) || now() < end) {
        if (write(there[1], &b, 1) != 1 || read(back[0], &b, 1) != 1) {
            perror("pingpong: pipe");
            return 1;
        }
        trips++;
    }
    b = 'q';
    if (write(there[1], &b, 1) != 1) {
        return 1;
    }
    waitpid(child, NULL, 0);
    printf("pingpong: %ld round trips in %.1f s\n", trips, now() - start);
    return 0;
}
