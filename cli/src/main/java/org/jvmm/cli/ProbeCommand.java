// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.jvmm.hyperv.kvm.HostHvProbe;
import org.jvmm.vmm.kvm.Kvm;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code jvmm probe}: what this host's KVM offers, as text or JSON. */
@Command(name = "probe", mixinStandardHelpOptions = true,
        description = {"Report the KVM API version, the capabilities jvmm uses, and which Hyper-V",
            "enlightenments this host's KVM supports (and why not)."})
final class ProbeCommand implements Callable<Integer> {
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
        KvmHostReport report;
        HypervReport hyperv;
        try (Kvm kvm = Kvm.open(device)) {
            report = KvmHostReport.collect(kvm, device);
            hyperv = HypervReport.of(HostHvProbe.probeFacts(kvm));
        }
        PrintWriter out = spec.commandLine().getOut();
        if (format.json) {
            out.println(toJson(report, hyperv));
        } else if (format.xml) {
            out.print(hyperv.domcapsXml());
        } else {
            printText(report, out);
            hyperv.printText(out);
        }
        out.flush();
        return 0;
    }

    static String toJson(KvmHostReport report, HypervReport hyperv) throws Exception {
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = mapper.createObjectNode();
        root.put("device", report.device());
        root.put("apiVersion", report.apiVersion());
        ObjectNode caps = root.putObject("capabilities");
        report.capabilities().forEach(caps::put);
        hyperv.addJson(root);
        return mapper.writeValueAsString(root);
    }

    private static void printText(KvmHostReport report, PrintWriter out) {
        out.printf("%s: KVM API version %d%n", report.device(), report.apiVersion());
        report.capabilities().forEach((name, value) -> out.printf("  %-32s %d%n", name, value));
    }
}
