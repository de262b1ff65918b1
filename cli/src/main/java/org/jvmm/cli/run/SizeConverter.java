// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.run;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * A byte count as people write it: {@code 1073741824}, {@code 512M}, {@code 2G}, {@code 64k},
 * optionally with {@code B} or {@code iB} after the unit. Units are binary (K = 1024), as for QEMU's
 * {@code -m}. Zero, negative, fractional and overflowing values are refused with a message that
 * quotes the input.
 */
public final class SizeConverter implements ITypeConverter<Long> {
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(?:([kmgt])(?:i?b)?|b)?");

    @Override
    public Long convert(String value) {
        return parse(value);
    }

    public static long parse(String value) {
        Matcher m = SIZE.matcher(value.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new TypeConversionException("'" + value + "' is not a size (examples: 512M, 2G, 1073741824)");
        }
        int shift = m.group(2) == null ? 0 : switch (m.group(2)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            default -> 40;
        };
        long n;
        try {
            n = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + value + "' is too large");
        }
        if (n == 0) {
            throw new TypeConversionException("'" + value + "' is zero; a size must be positive");
        }
        if (n > (Long.MAX_VALUE >> shift)) {
            throw new TypeConversionException("'" + value + "' is too large");
        }
        return n << shift;
    }
}
