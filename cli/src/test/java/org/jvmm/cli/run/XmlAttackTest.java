// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.jvmm.cli.Main;

/**
 * XML attacks on {@code jvmm run --domain} and {@code --hyperv}, end to end: each must end within
 * 2 s (a generous bound: they take milliseconds) in one line, exit 1, naming the file, without
 * reading a secret. The bound is wall-clock on purpose: a hang or a blow-up is the failure.
 */
class XmlAttackTest {
    private static final long LIMIT_MILLIS = 2000;

    @TempDir
    Path dir;

    private String refused(String option, Path file) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        long start = System.nanoTime();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), "run", option, file.toString(), "--kernel", "/nonexistent");
        long millis = (System.nanoTime() - start) / 1_000_000;
        String line = err.toString();
        assertTrue(millis < LIMIT_MILLIS, file + " took " + millis + " ms");
        assertEquals(1, code, line);
        assertEquals(1, line.lines().count(), line);
        assertTrue(line.startsWith("jvmm: " + file), line);
        return line;
    }

    private Path write(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content, StandardCharsets.UTF_8);
    }

    @Test
    void externalEntitiesAreNotRead() throws IOException {
        Path secret = write("secret", "leaked");
        for (String option : new String[] {"--domain", "--hyperv"}) {
            Path f = write("xxe.xml", "<?xml version='1.0'?><!DOCTYPE domain [<!ENTITY x SYSTEM 'file://" + secret
                    + "'>]><domain><name>&x;</name><memory>1</memory></domain>");
            assertFalse(refused(option, f).contains("leaked"));
            Path param = write("xxe-param.xml", "<!DOCTYPE d [<!ENTITY % p SYSTEM 'file://" + secret + "'> %p;]><domain/>");
            assertFalse(refused(option, param).contains("leaked"));
        }
    }

    @Test
    void billionLaughsIsRefusedAtOnce() throws IOException {
        StringBuilder dtd = new StringBuilder("<!DOCTYPE domain [<!ENTITY l0 'lol'>");
        for (int i = 1; i < 10; i++) {
            dtd.append("<!ENTITY l%d '%s'>".formatted(i, ("&l" + (i - 1) + ";").repeat(10)));
        }
        Path f = write("laughs.xml", dtd + "]><domain><name>&l9;</name><memory>1</memory></domain>");
        refused("--domain", f);
        refused("--hyperv", f);
    }

    @Test
    void hugeDocumentsAreRefusedUnread() throws IOException {
        Path f = dir.resolve("huge.xml");
        try (OutputStream o = Files.newOutputStream(f)) {
            o.write("<domain><name>x</name><!--".getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = "x".repeat(1 << 16).getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < 1024; i++) { // 64 MiB
                o.write(chunk);
            }
            o.write("--></domain>".getBytes(StandardCharsets.US_ASCII));
        }
        assertTrue(refused("--domain", f).contains("larger than"));
        assertTrue(refused("--hyperv", f).contains("larger than"));
    }

    @Test
    void deepNestingJustUnderTheSizeLimitEndsQuickly() throws IOException {
        int depth = 500_000; // "<a>" and "</a>": 3.8 MB, under the 4 MiB limit
        Path f = write("deep.xml", "<domain><name>x</name><memory>1</memory>" + "<a>".repeat(depth) + "</a>".repeat(depth) + "</domain>");
        long start = System.nanoTime();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), "run", "--domain", f.toString(),
                "--kernel", "/nonexistent");
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(millis < LIMIT_MILLIS, "took " + millis + " ms");
        assertEquals(1, code, err.toString());
        assertEquals(1, err.toString().lines().count(), err.toString());
        Path h = write("deep-hyperv.xml", "<hyperv>" + "<relaxed>".repeat(depth) + "</relaxed>".repeat(depth) + "</hyperv>");
        refused("--hyperv", h);
    }

    @Test
    void aStreamThatNeverEndsIsCutAtTheSizeLimit() throws Exception {
        Path fifo = dir.resolve("endless.xml");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        Thread writer = Thread.ofPlatform().daemon().start(() -> {
            try (OutputStream o = Files.newOutputStream(fifo)) {
                o.write("<domain><name>x</name><!--".getBytes(StandardCharsets.US_ASCII));
                byte[] chunk = "x".repeat(1 << 16).getBytes(StandardCharsets.US_ASCII);
                while (true) {
                    o.write(chunk);
                }
            } catch (IOException e) {
                // the reader gave up: what this test wants
            }
        });
        assertTrue(refused("--domain", fifo).contains("larger than"));
        writer.join(5000);
        assertFalse(writer.isAlive(), "jvmm still reads the stream");
    }

    @Test
    void devicesAndDirectoriesAreOneLine() throws IOException {
        refused("--domain", Path.of("/dev/zero"));
        refused("--domain", Path.of("/dev/urandom"));
        refused("--domain", dir);
        refused("--hyperv", dir);
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void manyAttributesAndLongValuesAreRefusedOrParsedQuickly() throws IOException {
        StringBuilder attrs = new StringBuilder();
        for (int i = 0; i < 100_000; i++) {
            attrs.append(" a").append(i).append("='x'");
        }
        refused("--domain", write("attrs.xml", "<domain" + attrs + "><name>x</name></domain>"));
        refused("--domain", write("long.xml", "<domain><name>" + "n".repeat(3 << 20) + "</name><memory unit='zz'>1</memory></domain>"));
    }
}
