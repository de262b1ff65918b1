// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.config;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;

import org.jvmm.hyperv.HvConfigException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.ErrorHandler;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;

/**
 * The JDK's DOM parser locked down for hostile input: no DOCTYPE at all (so no external or
 * internal entities, no entity expansion bombs), no XInclude, no external DTD or schema access.
 * libvirt domain XML never needs a DOCTYPE. Also small DOM helpers shared by the parsers.
 */
final class SafeXml {
    private SafeXml() {
    }

    /** Domain XML is a few KiB; anything this large is not one and is refused unread. */
    static final long MAX_FILE_BYTES = 4L << 20;

    /** Parse errors become one line, {@code file:line: reason}; nothing goes to stderr. */
    static Document parse(Path file) {
        DocumentBuilder db = newBuilder();
        try (InputStream in = new Bounded(Files.newInputStream(file))) {
            if (Files.size(file) > MAX_FILE_BYTES) {
                throw tooLarge(file);
            }
            return db.parse(in, file.toString());
        } catch (TooLarge e) {
            throw tooLarge(file);
        } catch (SAXParseException e) {
            if (e.getCause() instanceof TooLarge || e.getException() instanceof TooLarge) {
                throw tooLarge(file);
            }
            throw new HvConfigException(file + ":" + e.getLineNumber()
                    + ": not well-formed XML: " + oneLine(e.getMessage()));
        } catch (SAXException e) {
            if (e.getException() instanceof TooLarge) {
                throw tooLarge(file);
            }
            throw new HvConfigException(file + ": not well-formed XML: " + oneLine(e.getMessage()));
        } catch (NoSuchFileException e) {
            throw new HvConfigException(file + ": no such file");
        } catch (IOException e) {
            throw new HvConfigException(file + ": cannot read: " + oneLine(e.getMessage()));
        }
    }

    private static HvConfigException tooLarge(Path file) {
        return new HvConfigException(file + ": larger than " + (MAX_FILE_BYTES >> 20) + " MiB, not a domain description");
    }

    /** Read past {@link #MAX_FILE_BYTES}. */
    private static final class TooLarge extends IOException {
        TooLarge() {
            super("over " + MAX_FILE_BYTES + " bytes");
        }
    }

    /**
     * Stops reading at the size limit. The size check before parsing covers regular files only:
     * a FIFO or a device (a shell's {@code <(...)}, {@code /dev/stdin}) reports size 0 and may
     * never end, which the parser would otherwise read into memory until the JVM runs out.
     */
    private static final class Bounded extends FilterInputStream {
        private long read;

        Bounded(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count(1);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count(n);
            }
            return n;
        }

        private void count(int n) throws TooLarge {
            read += n;
            if (read > MAX_FILE_BYTES) {
                throw new TooLarge();
            }
        }
    }

    private static DocumentBuilder newBuilder() {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setFeature("http://xml.org/sax/features/external-general-entities", false);
            f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
            f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
            f.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
            f.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
            f.setXIncludeAware(false);
            f.setExpandEntityReferences(false);
            f.setNamespaceAware(false);
            DocumentBuilder db = f.newDocumentBuilder();
            db.setErrorHandler(new ErrorHandler() {
                @Override
                public void warning(SAXParseException e) {
                }

                @Override
                public void error(SAXParseException e) throws SAXException {
                    throw e;
                }

                @Override
                public void fatalError(SAXParseException e) throws SAXException {
                    throw e;
                }
            });
            return db;
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException("JDK XML parser lacks a required security feature", e);
        }
    }

    static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s+", " ").trim();
    }

    /** Element children in document order. */
    static List<Element> children(Element parent) {
        List<Element> out = new ArrayList<>();
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e) {
                out.add(e);
            }
        }
        return out;
    }

    /** The first child element with this name, or null. */
    static Element child(Element parent, String name) {
        for (Element e : children(parent)) {
            if (e.getTagName().equals(name)) {
                return e;
            }
        }
        return null;
    }

    /** The attribute, or null when absent (DOM returns "" for both absent and empty). */
    static String attr(Element e, String name) {
        return e.hasAttribute(name) ? e.getAttribute(name) : null;
    }
}
