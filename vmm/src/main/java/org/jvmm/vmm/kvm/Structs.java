// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.kvm;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import org.jvmm.bindings.kvm.kvm_cpuid2;
import org.jvmm.bindings.kvm.kvm_cpuid_entry2;
import org.jvmm.bindings.kvm.kvm_dtable;
import org.jvmm.bindings.kvm.kvm_msr_entry;
import org.jvmm.bindings.kvm.kvm_msrs;
import org.jvmm.bindings.kvm.kvm_regs;
import org.jvmm.bindings.kvm.kvm_segment;
import org.jvmm.bindings.kvm.kvm_sregs;

/** Copies between the value records and the kernel structs, through the bindings' accessors. */
final class Structs {
    private Structs() {}

    static Regs regs(MemorySegment s) {
        return new Regs(kvm_regs.rax(s), kvm_regs.rbx(s), kvm_regs.rcx(s), kvm_regs.rdx(s),
                kvm_regs.rsi(s), kvm_regs.rdi(s), kvm_regs.rsp(s), kvm_regs.rbp(s),
                kvm_regs.r8(s), kvm_regs.r9(s), kvm_regs.r10(s), kvm_regs.r11(s),
                kvm_regs.r12(s), kvm_regs.r13(s), kvm_regs.r14(s), kvm_regs.r15(s),
                kvm_regs.rip(s), kvm_regs.rflags(s));
    }

    static void regs(MemorySegment s, Regs r) {
        kvm_regs.rax(s, r.rax());
        kvm_regs.rbx(s, r.rbx());
        kvm_regs.rcx(s, r.rcx());
        kvm_regs.rdx(s, r.rdx());
        kvm_regs.rsi(s, r.rsi());
        kvm_regs.rdi(s, r.rdi());
        kvm_regs.rsp(s, r.rsp());
        kvm_regs.rbp(s, r.rbp());
        kvm_regs.r8(s, r.r8());
        kvm_regs.r9(s, r.r9());
        kvm_regs.r10(s, r.r10());
        kvm_regs.r11(s, r.r11());
        kvm_regs.r12(s, r.r12());
        kvm_regs.r13(s, r.r13());
        kvm_regs.r14(s, r.r14());
        kvm_regs.r15(s, r.r15());
        kvm_regs.rip(s, r.rip());
        kvm_regs.rflags(s, r.rflags());
    }

    static Segment segment(MemorySegment s) {
        return new Segment(kvm_segment.base(s), kvm_segment.limit(s), Short.toUnsignedInt(kvm_segment.selector(s)),
                kvm_segment.type(s), kvm_segment.present(s), kvm_segment.dpl(s), kvm_segment.db(s),
                kvm_segment.s(s), kvm_segment.l(s), kvm_segment.g(s), kvm_segment.avl(s),
                kvm_segment.unusable(s));
    }

    static void segment(MemorySegment s, Segment v) {
        kvm_segment.base(s, v.base());
        kvm_segment.limit(s, v.limit());
        kvm_segment.selector(s, (short) v.selector());
        kvm_segment.type(s, (byte) v.type());
        kvm_segment.present(s, (byte) v.present());
        kvm_segment.dpl(s, (byte) v.dpl());
        kvm_segment.db(s, (byte) v.db());
        kvm_segment.s(s, (byte) v.s());
        kvm_segment.l(s, (byte) v.l());
        kvm_segment.g(s, (byte) v.g());
        kvm_segment.avl(s, (byte) v.avl());
        kvm_segment.unusable(s, (byte) v.unusable());
    }

    static DescriptorTable dtable(MemorySegment s) {
        return new DescriptorTable(kvm_dtable.base(s), Short.toUnsignedInt(kvm_dtable.limit(s)));
    }

    static void dtable(MemorySegment s, DescriptorTable v) {
        kvm_dtable.base(s, v.base());
        kvm_dtable.limit(s, (short) v.limit());
    }

    static Sregs sregs(MemorySegment s) {
        MemorySegment bitmap = kvm_sregs.interrupt_bitmap(s);
        return new Sregs(segment(kvm_sregs.cs(s)), segment(kvm_sregs.ds(s)), segment(kvm_sregs.es(s)),
                segment(kvm_sregs.fs(s)), segment(kvm_sregs.gs(s)), segment(kvm_sregs.ss(s)),
                segment(kvm_sregs.tr(s)), segment(kvm_sregs.ldt(s)),
                dtable(kvm_sregs.gdt(s)), dtable(kvm_sregs.idt(s)),
                kvm_sregs.cr0(s), kvm_sregs.cr2(s), kvm_sregs.cr3(s), kvm_sregs.cr4(s), kvm_sregs.cr8(s),
                kvm_sregs.efer(s), kvm_sregs.apic_base(s), bitmap.toArray(ValueLayout.JAVA_LONG));
    }

    static void sregs(MemorySegment s, Sregs v) {
        segment(kvm_sregs.cs(s), v.cs());
        segment(kvm_sregs.ds(s), v.ds());
        segment(kvm_sregs.es(s), v.es());
        segment(kvm_sregs.fs(s), v.fs());
        segment(kvm_sregs.gs(s), v.gs());
        segment(kvm_sregs.ss(s), v.ss());
        segment(kvm_sregs.tr(s), v.tr());
        segment(kvm_sregs.ldt(s), v.ldt());
        dtable(kvm_sregs.gdt(s), v.gdt());
        dtable(kvm_sregs.idt(s), v.idt());
        kvm_sregs.cr0(s, v.cr0());
        kvm_sregs.cr2(s, v.cr2());
        kvm_sregs.cr3(s, v.cr3());
        kvm_sregs.cr4(s, v.cr4());
        kvm_sregs.cr8(s, v.cr8());
        kvm_sregs.efer(s, v.efer());
        kvm_sregs.apic_base(s, v.apicBase());
        long[] bitmap = v.interruptBitmap();
        MemorySegment dst = kvm_sregs.interrupt_bitmap(s);
        for (int i = 0; i < bitmap.length && i < 4; i++) {
            dst.setAtIndex(ValueLayout.JAVA_LONG, i, bitmap[i]);
        }
    }

    /** A {@code kvm_cpuid2} with room for {@code capacity} entries and {@code nent} set to it. */
    static MemorySegment cpuid2(SegmentAllocator a, int capacity) {
        MemorySegment s = a.allocate(kvm_cpuid2.sizeof() + capacity * kvm_cpuid_entry2.sizeof(), 8);
        kvm_cpuid2.nent(s, capacity);
        return s;
    }

    static List<CpuidEntry> cpuidEntries(MemorySegment cpuid2) {
        int n = kvm_cpuid2.nent(cpuid2);
        List<CpuidEntry> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            MemorySegment e = cpuidEntry(cpuid2, i);
            out.add(new CpuidEntry(kvm_cpuid_entry2.function(e), kvm_cpuid_entry2.index(e),
                    kvm_cpuid_entry2.flags(e), kvm_cpuid_entry2.eax(e), kvm_cpuid_entry2.ebx(e),
                    kvm_cpuid_entry2.ecx(e), kvm_cpuid_entry2.edx(e)));
        }
        return out;
    }

    static MemorySegment cpuid2(SegmentAllocator a, List<CpuidEntry> entries) {
        MemorySegment s = cpuid2(a, entries.size());
        for (int i = 0; i < entries.size(); i++) {
            CpuidEntry v = entries.get(i);
            MemorySegment e = cpuidEntry(s, i);
            kvm_cpuid_entry2.function(e, v.function());
            kvm_cpuid_entry2.index(e, v.index());
            kvm_cpuid_entry2.flags(e, v.flags());
            kvm_cpuid_entry2.eax(e, v.eax());
            kvm_cpuid_entry2.ebx(e, v.ebx());
            kvm_cpuid_entry2.ecx(e, v.ecx());
            kvm_cpuid_entry2.edx(e, v.edx());
        }
        return s;
    }

    private static MemorySegment cpuidEntry(MemorySegment cpuid2, int i) {
        long size = kvm_cpuid_entry2.sizeof();
        return cpuid2.asSlice(kvm_cpuid2.sizeof() + i * size, size);
    }

    /** A {@code kvm_msrs} holding {@code entries} (for GET, only the indexes matter). */
    static MemorySegment msrs(SegmentAllocator a, List<MsrEntry> entries) {
        long size = kvm_msr_entry.sizeof();
        MemorySegment s = a.allocate(kvm_msrs.sizeof() + entries.size() * size, 8);
        kvm_msrs.nmsrs(s, entries.size());
        for (int i = 0; i < entries.size(); i++) {
            MemorySegment e = s.asSlice(kvm_msrs.sizeof() + i * size, size);
            kvm_msr_entry.index(e, entries.get(i).index());
            kvm_msr_entry.data(e, entries.get(i).data());
        }
        return s;
    }

    /** The first {@code count} entries of a {@code kvm_msrs}. */
    static List<MsrEntry> msrEntries(MemorySegment msrs, int count) {
        long size = kvm_msr_entry.sizeof();
        List<MsrEntry> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            MemorySegment e = msrs.asSlice(kvm_msrs.sizeof() + i * size, size);
            out.add(new MsrEntry(kvm_msr_entry.index(e), kvm_msr_entry.data(e)));
        }
        return out;
    }
}
