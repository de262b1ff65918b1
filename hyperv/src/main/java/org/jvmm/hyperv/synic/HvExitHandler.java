// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.synic;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemorySegment;
import java.util.function.IntFunction;
import org.jvmm.bindings.kvm.kvm_hyperv_exit;
import org.jvmm.vmm.cpu.VcpuException;
import org.jvmm.vmm.exit.VcpuExit;
import org.jvmm.vmm.kvm.Vcpu;
import org.jvmm.vmm.spi.ExitHandler;

/**
 * KVM_EXIT_HYPERV, as QEMU's {@code kvm_hv_handle_exit}: SYNIC exits update the vCPU's
 * {@link Synic} before the vCPU re-enters; HCALL exits run PostMessage / SignalEvent and put the
 * 16-bit status into {@code hcall.result}; SYNDBG exits follow QEMU with no debugger attached.
 * What QEMU answers with -1 (a SynIC exit without hv-synic, a debug exit without hv-syndbg, an
 * unknown MSR or exit type) stops the vCPU with a one-line {@link VcpuException}.
 */
public final class HvExitHandler implements ExitHandler {
    static final int HVCALL_POST_MESSAGE = 0x5C;
    static final int HVCALL_SIGNAL_EVENT = 0x5D;
    static final int HVCALL_POST_DEBUG_DATA = 0x69;
    static final int HVCALL_RETRIEVE_DEBUG_DATA = 0x6A;
    static final int HVCALL_RESET_DEBUG_SESSION = 0x6B;
    static final long HV_HYPERCALL_FAST = 1L << 16;

    static final int MSR_SCONTROL = 0x40000080;
    static final int MSR_SIEFP = 0x40000082;
    static final int MSR_SIMP = 0x40000083;
    static final int MSR_SYNDBG_CONTROL = 0x400000F1;
    static final int MSR_SYNDBG_PENDING_BUFFER = 0x400000F5;

    /*
     * Hypercall fields as offsets into kvm_hyperv_exit, summed once: the generated accessors slice
     * the union twice and index params[] through a layout path, which costs on every hypercall.
     */
    private static final long HCALL = kvm_hyperv_exit.u$offset() + kvm_hyperv_exit.u.hcall$offset();
    private static final long HCALL_INPUT = HCALL + kvm_hyperv_exit.u.hcall.input$offset();
    private static final long HCALL_RESULT = HCALL + kvm_hyperv_exit.u.hcall.result$offset();
    private static final long HCALL_PARAM0 = HCALL + kvm_hyperv_exit.u.hcall.params$offset();

    private static final int TYPE_SYNIC = 1;
    private static final int TYPE_HCALL = 2;
    private static final int TYPE_SYNDBG = 3;

    private final IntFunction<Synic> synics;
    private final HvHypercalls hypercalls;
    private final boolean syndbg;
    private final HcallCensus census = new HcallCensus();

    /**
     * @param synics     the SynIC of a VP index (= vCPU index), null if none; null itself when
     *                   hv-synic is off
     * @param hypercalls PostMessage / SignalEvent
     * @param syndbg     hv-syndbg is on
     */
    public HvExitHandler(IntFunction<Synic> synics, HvHypercalls hypercalls, boolean syndbg) {
        this.synics = synics;
        this.hypercalls = hypercalls;
        this.syndbg = syndbg;
    }

    @Override
    public boolean handle(Vcpu vcpu, VcpuExit exit) {
        if (!(exit instanceof VcpuExit.Hyperv h)) {
            return false;
        }
        handle(vcpu.index(), h.type(), h.hyperv()); // the loop has read the type already
        return true;
    }

    /** Handles the {@code struct kvm_hyperv_exit} in {@code hv} for vCPU {@code index}. */
    public void handle(int index, MemorySegment hv) {
        handle(index, kvm_hyperv_exit.type(hv), hv);
    }

    private void handle(int index, int type, MemorySegment hv) {
        switch (type) {
            case TYPE_HCALL -> hcall(index, hv);
            case TYPE_SYNIC -> synic(index, kvm_hyperv_exit.u.synic(kvm_hyperv_exit.u(hv)));
            case TYPE_SYNDBG -> syndbg(index, kvm_hyperv_exit.u.syndbg(kvm_hyperv_exit.u(hv)));
            default -> throw new VcpuException(index, "unknown KVM_EXIT_HYPERV type " + type);
        }
    }

    private void synic(int index, MemorySegment s) {
        if (synics == null) {
            throw new VcpuException(index, "Hyper-V SynIC exit, but hv-synic is off");
        }
        Synic synic = synics.apply(index);
        if (synic == null) {
            throw new VcpuException(index, "Hyper-V SynIC exit from a vCPU without a SynIC");
        }
        int msr = kvm_hyperv_exit.u.synic.msr(s);
        switch (msr) {
            case MSR_SCONTROL -> synic.scontrol(kvm_hyperv_exit.u.synic.control(s));
            case MSR_SIMP -> synic.simp(kvm_hyperv_exit.u.synic.msg_page(s));
            case MSR_SIEFP -> synic.siefp(kvm_hyperv_exit.u.synic.evt_page(s));
            default -> throw new VcpuException(index, "Hyper-V SynIC exit for unexpected MSR 0x%x".formatted(msr));
        }
        // Applied here, on the vCPU thread before KVM_RUN, so the guest never runs ahead of its
        // own SIMP/SIEFP write (the race QEMU fixed in 2024 by leaving its run loop).
        synic.apply();
    }

    private void hcall(int index, MemorySegment hv) {
        long input = hv.get(JAVA_LONG, HCALL_INPUT);
        int code = (int) (input & 0xFFFF);
        boolean fast = (input & HV_HYPERCALL_FAST) != 0;
        long param0 = hv.get(JAVA_LONG, HCALL_PARAM0);
        int status = switch (code) {
            case HVCALL_POST_MESSAGE -> hypercalls.postMessage(index, param0, fast);
            case HVCALL_SIGNAL_EVENT -> hypercalls.signalEvent(param0, fast);
            // The debug calls need a debugger backend; with none QEMU answers "no such call".
            case HVCALL_POST_DEBUG_DATA, HVCALL_RETRIEVE_DEBUG_DATA, HVCALL_RESET_DEBUG_SESSION ->
                    HvStatus.INVALID_HYPERCALL_CODE;
            default -> HvStatus.INVALID_HYPERCALL_CODE;
        };
        hv.set(JAVA_LONG, HCALL_RESULT, status & 0xFFFFL);
        census.count(index, code, status);
    }

    /** The hypercalls this handler answered, for the VM's census. */
    public HcallCensus census() {
        return census;
    }

    private void syndbg(int index, MemorySegment d) {
        if (!syndbg) {
            throw new VcpuException(index, "Hyper-V synthetic debugger exit, but hv-syndbg is off");
        }
        int msr = kvm_hyperv_exit.u.syndbg.msr(d);
        switch (msr) {
            // Without a backend QEMU's send and receive both report 0: "invalid", nothing moved.
            case MSR_SYNDBG_CONTROL -> kvm_hyperv_exit.u.syndbg.status(d, HvStatus.SUCCESS);
            // KVM keeps the MSR value itself; QEMU only forwards it to the (absent) backend.
            case MSR_SYNDBG_PENDING_BUFFER -> { }
            default -> throw new VcpuException(index, "Hyper-V synthetic debugger exit for unexpected MSR 0x%x".formatted(msr));
        }
    }
}
