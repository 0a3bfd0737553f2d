package dev.netext.daemon.profile;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import com.fasterxml.jackson.dataformat.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.LoaderOptions;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads YAML text into a {@link YamlNode} tree with line numbers, using Jackson's YAML parser token by token.
 *
 * <p>Duplicate keys are detected here rather than with {@code JsonParser.Feature.STRICT_DUPLICATE_DETECTION}: the
 * parser feature stops at the first duplicate, while this reports every duplicate and keeps checking the rest of the
 * file. The first occurrence wins for validation.
 *
 * <p>Syntax errors end the read (there is no tree past them) and are reported with line and column.
 */
final class YamlTreeReader {

    static final int MAX_DEPTH = 64;

    private static final YAMLFactory FACTORY = newFactory();

    private final Checks checks;
    private String where = "";

    /** Ends the read after a problem that has already been reported. */
    private static final class Abort extends RuntimeException {
        Abort() { super(null, null, false, false); }
    }

    YamlTreeReader(Checks checks) {
        this.checks = checks;
    }

    private static YAMLFactory newFactory() {
        LoaderOptions lo = new LoaderOptions();
        lo.setMaxAliasesForCollections(20);
        lo.setNestingDepthLimit(MAX_DEPTH + 10);
        lo.setCodePointLimit((int) ProfileLoader.MAX_FILE_BYTES);
        lo.setAllowRecursiveKeys(false);
        YAMLFactory f = YAMLFactory.builder().loaderOptions(lo).build();
        f.setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(MAX_DEPTH + 10).maxNumberLength(100).maxStringLength((int) ProfileLoader.MAX_FILE_BYTES).build());
        return f;
    }

    /** The document's root, or null when the file is empty or broken (the error is already recorded). */
    YamlNode read(String text) {
        try (JsonParser p = FACTORY.createParser(text)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                checks.error(1, "", "the file is empty; a profile needs at least a 'tunnel:' section");
                return null;
            }
            YamlNode root = value(p, t, "", 0);
            JsonToken more = p.nextToken();
            if (more != null) {
                checks.error(line(p.currentTokenLocation()), "",
                        "the file holds more than one YAML document ('---'); put one profile in each file");
            }
            return root;
        } catch (Abort reported) {
            return null;
        } catch (MarkedYAMLException e) {
            var mark = e.getProblemMark();
            String problem = e.getProblem() != null ? e.getProblem() : firstLine(e.getOriginalMessage());
            if (where.length() > 80) where = where.substring(0, 77) + "...";
            if (mark != null) {
                checks.error(mark.getLine() + 1, where,
                        "YAML syntax error at column " + (mark.getColumn() + 1) + ": " + problem);
            } else {
                syntax(e.getLocation(), problem);
            }
        } catch (JsonProcessingException e) {
            String msg = firstLine(e.getOriginalMessage());
            if (msg.startsWith("Expected a field name")) msg = "keys must be plain scalars (complex '? ...' keys are not supported)";
            syntax(e.getLocation(), msg);
        } catch (IOException | RuntimeException e) {
            // SnakeYAML may throw its own unchecked exceptions for malformed input: still a syntax problem
            syntax(null, firstLine(String.valueOf(e.getMessage())));
        } catch (StackOverflowError e) {
            syntax(null, "the document is nested too deeply");
        }
        return null;
    }

    private void syntax(JsonLocation loc, String problem) {
        if (where.length() > 80) where = where.substring(0, 77) + "...";
        if (loc != null && loc.getLineNr() > 0) {
            checks.error(loc.getLineNr(), where, "YAML syntax error at column " + loc.getColumnNr() + ": " + problem);
        } else {
            checks.error(0, where, "YAML syntax error: " + problem);
        }
    }

    private static String firstLine(String s) {
        if (s == null) return "unreadable YAML";
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
    }

    private static int line(JsonLocation loc) {
        return Math.max(loc.getLineNr(), 1);
    }

    private static int column(JsonLocation loc) {
        return Math.max(loc.getColumnNr(), 1);
    }

    private YamlNode value(JsonParser p, JsonToken t, String path, int depth) throws IOException {
        where = path;
        JsonLocation loc = p.currentTokenLocation();
        int line = line(loc), col = column(loc);
        if (depth > MAX_DEPTH) {
            checks.error(line, "", "the document is nested deeper than " + MAX_DEPTH + " levels");
            throw new Abort();
        }
        if (t == null) throw new IOException("unexpected end of document");
        if (p instanceof YAMLParser yp && yp.isCurrentAlias()) {
            checks.error(line, path, "aliases ('*" + yp.getText() + "') are not supported in profiles; write the value out");
            return new YamlNode.Scalar(line, col, YamlNode.Kind.INVALID, "*" + yp.getText(), null);
        }
        switch (t) {
            case START_OBJECT -> {
                Map<String, YamlNode.Entry> entries = new LinkedHashMap<>();
                JsonToken k;
                while ((k = p.nextToken()) != JsonToken.END_OBJECT) {
                    if (k != JsonToken.FIELD_NAME) throw new IOException("expected a key, got " + k);
                    String key = p.currentName();
                    int keyLine = line(p.currentTokenLocation());
                    String childPath = Checks.child(path, key);
                    YamlNode v = value(p, p.nextToken(), childPath, depth + 1);
                    where = path;
                    YamlNode.Entry first = entries.get(key);
                    if (first != null) {
                        checks.error(keyLine, childPath, "duplicate key (first set on line " + first.keyLine() + ")");
                    } else {
                        entries.put(key, new YamlNode.Entry(key, keyLine, v));
                    }
                }
                return new YamlNode.MapNode(line, col, entries);
            }
            case START_ARRAY -> {
                List<YamlNode> items = new ArrayList<>();
                JsonToken i;
                while ((i = p.nextToken()) != JsonToken.END_ARRAY) {
                    items.add(value(p, i, path + "[" + items.size() + "]", depth + 1));
                    where = path;
                }
                return new YamlNode.ListNode(line, col, items);
            }
            case VALUE_STRING -> {
                String s = p.getText();
                return new YamlNode.Scalar(line, col, YamlNode.Kind.STRING, s, s);
            }
            case VALUE_NUMBER_INT -> {
                Number n = p.getNumberValue();
                return new YamlNode.Scalar(line, col, YamlNode.Kind.INTEGER, p.getText(), n);
            }
            case VALUE_NUMBER_FLOAT -> {
                Number n = p.getNumberValue();
                return new YamlNode.Scalar(line, col, YamlNode.Kind.FLOAT, p.getText(), n);
            }
            case VALUE_TRUE, VALUE_FALSE -> {
                return new YamlNode.Scalar(line, col, YamlNode.Kind.BOOLEAN, p.getText(), t == JsonToken.VALUE_TRUE);
            }
            case VALUE_NULL -> {
                return new YamlNode.Scalar(line, col, YamlNode.Kind.NULL, "null", null);
            }
            default -> {
                String text = p.getText();
                return new YamlNode.Scalar(line, col, YamlNode.Kind.OTHER, text == null ? "" : text, null);
            }
        }
    }
}
