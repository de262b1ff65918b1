// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.run;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.jvmm.vmm.VmmException;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Where the guest's serial console goes: {@code stdio} (jvmm's stdout, unbuffered, so a prompt
 * without a newline shows at once) or {@code file:PATH} (created or truncated). Input always
 * comes from jvmm's stdin.
 */
public record ConsoleTarget(Optional<Path> file) {
    public static final ConsoleTarget STDIO = new ConsoleTarget(Optional.empty());

    /** Parses {@code --console}. */
    public static final class Converter implements ITypeConverter<ConsoleTarget> {
        @Override
        public ConsoleTarget convert(String value) {
            if (value.equals("stdio")) {
                return STDIO;
            }
            if (value.startsWith("file:") && value.length() > "file:".length()) {
                return new ConsoleTarget(Optional.of(Path.of(value.substring("file:".length()))));
            }
            throw new TypeConversionException("'" + value + "' is neither 'stdio' nor 'file:PATH'");
        }
    }

    /** Opens the console; a file that cannot be written is a one-line error naming it. */
    public OutputStream open() {
        if (file.isEmpty()) {
            // Closing the console must not close fd 1, which jvmm's own messages may still need.
            return new FilterOutputStream(new FileOutputStream(FileDescriptor.out)) {
                @Override
                public void close() throws IOException {
                    flush();
                }
            };
        }
        Path f = file.get();
        try {
            return Files.newOutputStream(f);
        } catch (IOException e) {
            throw new VmmException(f + ": cannot write the console file: " + e.getClass().getSimpleName()
                    + (e.getMessage() == null || e.getMessage().equals(f.toString()) ? "" : " " + e.getMessage()));
        }
    }
}
