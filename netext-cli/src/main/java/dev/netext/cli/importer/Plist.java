package dev.netext.cli.importer;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.ErrorHandler;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads an XML property list (Apple's PropertyList-1.0 DTD) into Java values: {@code dict} → {@code Map<String,Object>}
 * (in document order), {@code array} → {@code List<Object>}, {@code string}/{@code date} → {@code String},
 * {@code integer} → {@code Long}, {@code real} → {@code Double}, {@code true}/{@code false} → {@code Boolean},
 * {@code data} → {@code byte[]}.
 *
 * <p>Untrusted input: the JDK parser runs with secure processing (entity expansion limits), no external DTD or
 * entity is ever fetched (the DOCTYPE that every plist carries is allowed but not loaded), nesting is capped at
 * {@link #MAX_DEPTH}. Signed profiles (CMS) and binary plists are recognised and refused with what to do.
 * Everything wrong is a {@link PlistException}; nothing else escapes.
 */
public final class Plist {
    public static final int MAX_DEPTH = 64;
    public static final int MAX_BYTES = 4 << 20;

    private Plist() {}

    public static Object parse(byte[] bytes) throws PlistException {
        if (bytes.length > MAX_BYTES) throw new PlistException("file is larger than " + (MAX_BYTES >> 20) + " MiB; not a configuration profile");
        if (bytes.length >= 8 && new String(bytes, 0, 8, StandardCharsets.ISO_8859_1).equals("bplist00"))
            throw new PlistException("this is a binary property list; convert it first: plutil -convert xml1 FILE");
        if (bytes.length >= 2 && (bytes[0] & 0xFF) == 0x30 && (bytes[1] & 0xFF) >= 0x80)
            throw new PlistException("this profile is signed (CMS); extract the XML first: "
                    + "openssl smime -inform der -verify -noverify -in FILE -out plain.mobileconfig");
        Document doc;
        try {
            doc = builder().parse(new InputSource(new ByteArrayInputStream(bytes)));
        } catch (SAXException e) {
            throw new PlistException("not well-formed XML: " + e.getMessage());
        } catch (IOException | ParserConfigurationException | RuntimeException e) {
            throw new PlistException("cannot read the XML: " + e);
        }
        Element root = doc.getDocumentElement();
        if (root == null || !root.getTagName().equals("plist")) throw new PlistException("not a property list (no <plist> root element)");
        List<Element> values = children(root);
        if (values.size() != 1) throw new PlistException("<plist> holds " + values.size() + " values; expected one");
        return value(values.getFirst(), 1);
    }

    private static DocumentBuilder builder() throws ParserConfigurationException {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        f.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
        f.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
        f.setFeature("http://xml.org/sax/features/external-general-entities", false);
        f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
        f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        f.setXIncludeAware(false);
        f.setExpandEntityReferences(false);
        f.setNamespaceAware(false);
        f.setValidating(false);
        DocumentBuilder b = f.newDocumentBuilder();
        b.setEntityResolver((publicId, systemId) -> new InputSource(new StringReader(""))); // never fetch anything
        b.setErrorHandler(new ErrorHandler() {
            @Override public void warning(SAXParseException e) {}
            @Override public void error(SAXParseException e) throws SAXException { throw e; }
            @Override public void fatalError(SAXParseException e) throws SAXException { throw e; }
        });
        return b;
    }

    private static Object value(Element e, int depth) throws PlistException {
        if (depth > MAX_DEPTH) throw new PlistException("nested deeper than " + MAX_DEPTH + " levels");
        String tag = e.getTagName();
        return switch (tag) {
            case "dict" -> dict(e, depth);
            case "array" -> {
                List<Object> out = new ArrayList<>();
                for (Element c : children(e)) out.add(value(c, depth + 1));
                yield out;
            }
            case "string", "date" -> text(e);
            case "integer" -> {
                try {
                    yield Long.parseLong(text(e).strip());
                } catch (NumberFormatException x) {
                    throw new PlistException("<integer> '" + clip(text(e)) + "' is not a whole number");
                }
            }
            case "real" -> {
                try {
                    yield Double.parseDouble(text(e).strip());
                } catch (NumberFormatException x) {
                    throw new PlistException("<real> '" + clip(text(e)) + "' is not a number");
                }
            }
            case "true" -> Boolean.TRUE;
            case "false" -> Boolean.FALSE;
            case "data" -> {
                try {
                    yield Base64.getMimeDecoder().decode(text(e).replaceAll("\\s", ""));
                } catch (IllegalArgumentException x) {
                    throw new PlistException("<data> is not base64: " + x.getMessage());
                }
            }
            default -> throw new PlistException("unknown property list element <" + clip(tag) + ">");
        };
    }

    private static Map<String, Object> dict(Element e, int depth) throws PlistException {
        Map<String, Object> out = new LinkedHashMap<>();
        List<Element> c = children(e);
        if (c.size() % 2 != 0) throw new PlistException("<dict> has a <key> without a value");
        for (int i = 0; i < c.size(); i += 2) {
            Element k = c.get(i);
            if (!k.getTagName().equals("key")) throw new PlistException("<dict> expected <key>, got <" + clip(k.getTagName()) + ">");
            String key = text(k);
            if (out.containsKey(key)) throw new PlistException("<dict> has the key '" + clip(key) + "' twice");
            out.put(key, value(c.get(i + 1), depth + 1));
        }
        return out;
    }

    private static List<Element> children(Element e) throws PlistException {
        List<Element> out = new ArrayList<>();
        for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
            switch (n.getNodeType()) {
                case Node.ELEMENT_NODE -> out.add((Element) n);
                case Node.TEXT_NODE, Node.CDATA_SECTION_NODE -> {
                    if (!n.getNodeValue().isBlank()) throw new PlistException("text '" + clip(n.getNodeValue().strip()) + "' outside a value in <" + e.getTagName() + ">");
                }
                case Node.ENTITY_REFERENCE_NODE -> throw new PlistException("entity references are not allowed in a profile");
                default -> { } // comments, processing instructions
            }
        }
        return out;
    }

    private static String text(Element e) throws PlistException {
        StringBuilder sb = new StringBuilder();
        for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
            switch (n.getNodeType()) {
                case Node.TEXT_NODE, Node.CDATA_SECTION_NODE -> sb.append(n.getNodeValue());
                case Node.COMMENT_NODE, Node.PROCESSING_INSTRUCTION_NODE -> { }
                case Node.ENTITY_REFERENCE_NODE -> throw new PlistException("entity references are not allowed in a profile");
                default -> throw new PlistException("<" + e.getTagName() + "> holds an element; expected text");
            }
        }
        return sb.toString();
    }

    private static String clip(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "…" : s;
    }
}
