// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.linux;

/**
 * How a Linux VM ended, and the process exit code a CI job sees for it. Failures use even codes
 * because every code a guest can choose through the debug-exit port is odd ({@code (v << 1) | 1}),
 * so the two never collide except for the codes 1 (debug-exit value 0) and 3.
 *
 * <table>
 *   <caption>Exit codes</caption>
 *   <tr><th>kind</th><th>code</th><th>when</th></tr>
 *   <tr><td>RESET</td><td>0</td><td>the guest rebooted: i8042 reset (reboot=k, Linux's fallback
 *       without ACPI), KVM_SYSTEM_EVENT_RESET, or a triple fault after the kernel said
 *       "Restarting system"</td></tr>
 *   <tr><td>POWER_OFF</td><td>0</td><td>KVM_SYSTEM_EVENT_SHUTDOWN, or the kernel said "Power down"
 *       or "System halted" (without ACPI nothing can switch the power off, and the CPUs would halt
 *       for ever)</td></tr>
 *   <tr><td>DEBUG_EXIT</td><td>(v &lt;&lt; 1) | 1</td><td>the guest wrote v to port 0x501</td></tr>
 *   <tr><td>FAILED</td><td>4</td><td>KVM internal error, failed VM entry, a triple fault nobody
 *       asked for, or any other vCPU failure</td></tr>
 *   <tr><td>PANIC</td><td>6</td><td>the guest kernel panicked (and, with panic=-1, reset)</td></tr>
 *   <tr><td>TIMEOUT</td><td>124</td><td>the host's time limit ran out, like timeout(1)</td></tr>
 *   <tr><td>QUIT</td><td>130</td><td>the host user stopped the VM ({@link LinuxVm#quit}, e.g. a
 *       console quit key): 128 + SIGINT, the code a shell reports for a program stopped by Ctrl-C,
 *       which is what the quit key replaces once Ctrl-C belongs to the guest</td></tr>
 *   <tr><td>MONITOR_QUIT</td><td>0</td><td>a management client stopped the VM on purpose
 *       ({@link LinuxVm#monitorQuit}, QMP's {@code quit}): QEMU exits 0 for it, and a
 *       manager that asked for the stop must not read it as a failure</td></tr>
 *   <tr><td>TERMINATED</td><td>143</td><td>SIGTERM ended the VM ({@link LinuxVm#terminate}): at
 *       once, or after the guest did not power off in the grace it was given</td></tr>
 * </table>
 */
public record LinuxVmExit(Kind kind, int exitCode, String message) {
    public static final int FAILURE_CODE = 4;
    public static final int PANIC_CODE = 6;
    public static final int TIMEOUT_CODE = 124;
    public static final int QUIT_CODE = 130;
    public static final int TERMINATED_CODE = 143;

    public enum Kind { RESET, POWER_OFF, DEBUG_EXIT, FAILED, PANIC, TIMEOUT, QUIT, MONITOR_QUIT, TERMINATED }

    public static LinuxVmExit reset(String how) {
        return new LinuxVmExit(Kind.RESET, 0, "guest reset (" + how + ")");
    }

    public static LinuxVmExit powerOff(String how) {
        return new LinuxVmExit(Kind.POWER_OFF, 0, "guest powered off (" + how + ")");
    }

    public static LinuxVmExit debugExit(int code) {
        return new LinuxVmExit(Kind.DEBUG_EXIT, code, "guest exited with code " + code + " through the debug-exit port");
    }

    public static LinuxVmExit failed(String detail) {
        return new LinuxVmExit(Kind.FAILED, FAILURE_CODE, "VM failed: " + detail);
    }

    public static LinuxVmExit panic() {
        return new LinuxVmExit(Kind.PANIC, PANIC_CODE, "guest kernel panicked");
    }

    public static LinuxVmExit timeout(java.time.Duration limit) {
        return new LinuxVmExit(Kind.TIMEOUT, TIMEOUT_CODE, "timed out after " + LinuxVmConfig.describe(limit));
    }

    public static LinuxVmExit quit(String how) {
        return new LinuxVmExit(Kind.QUIT, QUIT_CODE, "stopped by the user (" + how + ")");
    }

    public static LinuxVmExit monitorQuit(String how) {
        return new LinuxVmExit(Kind.MONITOR_QUIT, 0, "stopped by a monitor command (" + how + ")");
    }

    public static LinuxVmExit terminated(String how) {
        return new LinuxVmExit(Kind.TERMINATED, TERMINATED_CODE, "terminated (" + how + ")");
    }

    /** True for the endings the guest chose itself (reset, power off, debug exit). */
    public boolean guestInitiated() {
        return kind == Kind.RESET || kind == Kind.POWER_OFF || kind == Kind.DEBUG_EXIT;
    }
}
