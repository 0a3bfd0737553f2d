package dev.netext.dns.lists;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One loaded list file: its names and its prefixes, immutable, so a reload builds a new one and swaps it in whole
 * ({@link WatchedList}, which also closes the one it replaced: the names' table is off the heap). Formats and what each entry covers are described in {@link ListParser}.
 *
 * @param name      the name rules refer to it by ({@code lists: { ads: FILE }}, or the file name on the CLI)
 * @param file      where it was read from; null when parsed from text
 * @param names     domain entries
 * @param addresses CIDR entries
 * @param report    counts and junk lines
 */
public record BlockList(String name, Path file, DomainSet names, AddressSet addresses, ListReport report) implements AutoCloseable {

    /** Reads {@code file}; bytes that are not UTF-8 make junk lines, never an error. */
    public static BlockList load(String name, Path file) throws IOException {
        var decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
        try (Reader r = new BufferedReader(new InputStreamReader(Files.newInputStream(file), decoder), 1 << 16)) {
            return ListParser.parse(name, file, r);
        }
    }

    /** Parses list text (tests, and lists given inline). */
    public static BlockList parse(String name, String text) {
        try {
            return ListParser.parse(name, null, new StringReader(text));
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringReader does not fail
        }
    }

    /** Whether the text host name is listed (exactly, or under a subtree entry). */
    public boolean containsName(CharSequence host) { return names.containsName(host); }

    public boolean containsAddress(InetAddress a) { return addresses.contains(a); }

    /** Unmaps the names' table ({@link DomainSet#close}): no lookup after it. */
    @Override
    public void close() { names.close(); }

    /** For logs: {@code ads (/etc/netext/ads.hosts): 100000 names, …}. */
    public String describe() { return name + (file == null ? "" : " (" + file + ")") + ": " + report.summary(); }
}
