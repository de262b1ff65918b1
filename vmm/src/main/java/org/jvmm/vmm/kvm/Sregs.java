// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.kvm;

/**
 * A copy of {@code struct kvm_sregs} (KVM_GET_SREGS / KVM_SET_SREGS): segment and control
 * registers, EFER and the APIC base. {@code interruptBitmap} is the pending external interrupt
 * bitmap (256 bits), kept so a get/set round trip loses nothing.
 */
public record Sregs(Segment cs, Segment ds, Segment es, Segment fs, Segment gs, Segment ss,
                    Segment tr, Segment ldt, DescriptorTable gdt, DescriptorTable idt,
                    long cr0, long cr2, long cr3, long cr4, long cr8, long efer, long apicBase,
                    long[] interruptBitmap) {

    public static final long CR0_PE = 1L;
    public static final long CR0_ET = 1L << 4;
    public static final long CR0_NE = 1L << 5;
    public static final long CR0_PG = 1L << 31;
    public static final long CR4_PAE = 1L << 5;
    public static final long CR4_OSFXSR = 1L << 9;
    public static final long CR4_OSXMMEXCPT = 1L << 10;
    public static final long EFER_SCE = 1L;
    public static final long EFER_LME = 1L << 8;
    public static final long EFER_LMA = 1L << 10;

    public Sregs {
        interruptBitmap = interruptBitmap.clone();
    }

    @Override
    public long[] interruptBitmap() {
        return interruptBitmap.clone();
    }

    /** These registers with every data segment (ds, es, fs, gs, ss) set to {@code data}. */
    public Sregs withSegments(Segment code, Segment data) {
        return new Sregs(code, data, data, data, data, data, tr, ldt, gdt, idt,
                cr0, cr2, cr3, cr4, cr8, efer, apicBase, interruptBitmap);
    }

    public Sregs withTables(Segment tr, DescriptorTable gdt, DescriptorTable idt) {
        return new Sregs(cs, ds, es, fs, gs, ss, tr, ldt, gdt, idt,
                cr0, cr2, cr3, cr4, cr8, efer, apicBase, interruptBitmap);
    }

    public Sregs withControl(long cr0, long cr3, long cr4, long efer) {
        return new Sregs(cs, ds, es, fs, gs, ss, tr, ldt, gdt, idt,
                cr0, cr2, cr3, cr4, cr8, efer, apicBase, interruptBitmap);
    }

    /** One line for error messages. */
    public String summary() {
        return "cs=0x%x(base 0x%x) cr0=0x%x cr3=0x%x cr4=0x%x efer=0x%x"
                .formatted(cs.selector(), cs.base(), cr0, cr3, cr4, efer);
    }
}
