// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.jvmm.hyperv.kvm.HostHvProbe;
import org.jvmm.vmm.kvm.Kvm;
import org.jvmm.vmm.kvm.KvmDiagnosis;
import org.jvmm.vmm.kvm.KvmHostFacts;
import org.jvmm.vmm.kvm.KvmUnavailableException;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code jvmm probe}: what this host's KVM offers, as text, JSON or libvirt XML. A host without a
 * usable KVM device still gets its report, saying why, since that is where users run a probe.
 */
@Command(name = "probe", mixinStandardHelpOptions = true,
        description = {"Report the KVM API version, the capabilities jvmm uses, and which Hyper-V",
            "enlightenments this host's KVM supports (and why not). Without a usable KVM",
            "device, report why (missing node, module, CPU support, permission...) and what",
            "to do."},
        footer = {"", "Exit status:",
            "  0  KVM is usable; the report is printed",
            "  3  no usable KVM; the report is printed and says why (stderr: the reason)",
            "  1  KVM failed after the device opened (one line on stderr)",
            "  2  bad usage"})
final class ProbeCommand implements Callable<Integer> {
    /** The report is printed but there is no usable KVM; distinct from 1 (failure) and 2 (usage). */
    static final int EXIT_NO_KVM = 3;
    /** Jackson's default pretty printer: scripts grep its {@code "NAME" : 1} spacing. */
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Spec
    CommandSpec spec;

    @ArgGroup(exclusive = true)
    Format format = new Format();

    static final class Format {
        @Option(names = "--json", description = "Print a JSON document instead of text.")
        boolean json;

        @Option(names = "--xml", description = "Print only the Hyper-V part as libvirt's domcapabilities"
                + " <hyperv> element.")
        boolean xml;
    }

    @Option(names = "--device", paramLabel = "PATH", defaultValue = Kvm.DEVICE,
            description = "KVM device to open (default: ${DEFAULT-VALUE}).")
    String device;

    @Override
    public Integer call() throws Exception {
        Kvm kvm;
        try {
            kvm = Kvm.open(device);
        } catch (KvmUnavailableException e) {
            return reportUnavailable(e.diagnosis());
        }
        KvmHostReport report;
        HypervReport hyperv;
        try (kvm) {
            report = KvmHostReport.collect(kvm, device);
            hyperv = HypervReport.of(HostHvProbe.probeFacts(kvm));
        }
        PrintWriter out = spec.commandLine().getOut();
        if (format.json) {
            out.println(toJson(report, KvmHostFacts.read(), hyperv));
        } else if (format.xml) {
            out.print(hyperv.domcapsXml());
        } else {
            printText(report, out);
            hyperv.printText(out);
        }
        out.flush();
        return 0;
    }

    /** The report in the chosen format on stdout, and the reason as the usual one line on stderr. */
    private int reportUnavailable(KvmDiagnosis diagnosis) throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        HypervReport hyperv = HypervReport.withoutKvm();
        if (format.json) {
            ObjectNode root = MAPPER.createObjectNode();
            root.put("device", diagnosis.device());
            KvmAvailabilityReport.addUnavailableJson(root, diagnosis);
            hyperv.addJson(root);
            out.println(MAPPER.writeValueAsString(root));
        } else if (format.xml) {
            out.print(hyperv.domcapsXml());
        } else {
            KvmAvailabilityReport.printUnavailableText(diagnosis, out);
            hyperv.printText(out);
        }
        out.flush();
        PrintWriter err = spec.commandLine().getErr();
        err.println("jvmm: " + diagnosis.message());
        err.flush();
        return EXIT_NO_KVM;
    }

    static String toJson(KvmHostReport report, KvmHostFacts host, HypervReport hyperv) throws Exception {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("device", report.device());
        root.put("available", true);
        root.put("apiVersion", report.apiVersion());
        ObjectNode caps = root.putObject("capabilities");
        report.capabilities().forEach(caps::put);
        KvmAvailabilityReport.addHostJson(root, host);
        hyperv.addJson(root);
        return MAPPER.writeValueAsString(root);
    }

    private static void printText(KvmHostReport report, PrintWriter out) {
        out.printf("%s: KVM API version %d%n", report.device(), report.apiVersion());
        report.capabilities().forEach((name, value) -> out.printf("  %-32s %d%n", name, value));
    }
}
