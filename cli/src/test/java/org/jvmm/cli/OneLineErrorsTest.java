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

    /** Found by config fuzzing: picocli quotes the bad value, line breaks and escapes included. */
    @Test
    void aValueWithALineBreakOrATerminalEscapeStillGivesOneLine() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), "run", "--cpus", "2\r\u001b[2J\n3");
        assertEquals(OneLineErrors.EXIT_USAGE, code);
        assertEquals("jvmm: Invalid value for option '--cpus': '2\\r\\x1b[2J\\n3' is not an int (see 'jvmm run --help')\n",
                err.toString());
    }

    @Test
    void anExecutionErrorQuotingControlCharactersIsEscapedToo() {
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new JvmmCommand());
        cli.setErr(new PrintWriter(err));
        int code = new OneLineErrors().handleExecutionException(new org.jvmm.vmm.VmmException("kernel a\rb\u0007: no such file"), cli, null);
        assertEquals(OneLineErrors.EXIT_FAILURE, code);
        assertEquals("jvmm: kernel a\\rb\\x07: no such file\n", err.toString());
    }
}
