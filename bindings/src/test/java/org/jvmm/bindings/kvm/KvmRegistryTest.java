// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.bindings.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Method;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Keeps the committed package and bindings/jextract/kvm.includes (what scripts/jextract-kvm.sh
 * feeds jextract) in step: a struct class or macro method that the argument file does not name,
 * or a name without its Java, fails here. Together with {@link KvmHeaderProbeTest}, which walks
 * every class this finds, it means no struct escapes the gcc comparison.
 */
class KvmRegistryTest {

    @Test
    void structClassesAreExactlyTheIncludedStructs() throws Exception {
        TreeSet<String> classes = new TreeSet<>(KvmPackage.structClasses().stream().map(Class::getSimpleName).toList());
        assertEquals(new TreeSet<>(KvmPackage.included("--include-struct")), classes);
    }

    @Test
    void macroMethodsAreExactlyTheIncludedConstants() throws Exception {
        TreeSet<String> methods = new TreeSet<>(KvmPackage.macroMethods().stream().map(Method::getName).toList());
        assertEquals(new TreeSet<>(KvmPackage.included("--include-constant")), methods);
    }

    @Test
    void theVmmsStructsAreBound() throws Exception {
        List<String> required = List.of("kvm_run", "kvm_hyperv_exit", "kvm_regs", "kvm_sregs", "kvm_segment",
                "kvm_dtable", "kvm_fpu", "kvm_xsave", "kvm_cpuid2", "kvm_cpuid_entry2", "kvm_msrs", "kvm_msr_entry",
                "kvm_msr_list", "kvm_userspace_memory_region", "kvm_enable_cap", "kvm_pit_config", "kvm_irq_routing",
                "kvm_irq_routing_entry", "kvm_irq_routing_irqchip", "kvm_irq_routing_msi", "kvm_irq_routing_hv_sint",
                "kvm_irqfd", "kvm_ioeventfd", "kvm_msi", "kvm_lapic_state", "kvm_msr_filter", "kvm_msr_filter_range",
                "kvm_clock_data", "kvm_signal_mask", "kvm_mp_state", "kvm_vcpu_events", "kvm_stats_header",
                "kvm_stats_desc", "kvm_irq_level", "kvm_hyperv_eventfd", "kvm_translation", "kvm_interrupt");
        TreeSet<String> classes = new TreeSet<>(KvmPackage.structClasses().stream().map(Class::getSimpleName).toList());
        TreeSet<String> missing = new TreeSet<>(required);
        missing.removeAll(classes);
        assertEquals(new TreeSet<String>(), missing, "structs a VMM needs but the package lacks");
    }
}
