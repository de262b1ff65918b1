// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.jvmm.vmm.kvm.KvmDiagnosis;
import org.jvmm.vmm.kvm.KvmHostFacts;
import org.jvmm.vmm.kvm.KvmUnavailableException;
import picocli.CommandLine;

/**
 * How {@code jvmm run} (and any command but probe) ends without a usable KVM: the diagnosis' one
 * line and exit 1. Driven with the exception itself, since run has no device option to point
 * at a missing node on a host that has one.
 */
class OneLineErrorsTest {

    @Test
    void noUsableKvmIsTheDiagnosisInOneLineWithExit1() {
        KvmDiagnosis d = KvmDiagnosis.openFailed("/dev/kvm", 2, KvmHostFacts.read());
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new JvmmCommand());
        cli.setErr(new PrintWriter(err));
        int code = new OneLineErrors().handleExecutionException(new KvmUnavailableException(d), cli, null);
        assertEquals(OneLineErrors.EXIT_FAILURE, code);
        assertEquals(1, code, "README's run table: no usable KVM exits 1");
        assertEquals("jvmm: " + d.message() + "\n", err.toString());
    }
}
