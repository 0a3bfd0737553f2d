package dev.netext.linux.resolver;

import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.state.LedgerEntry;
import dev.netext.linux.state.LedgerKind;
import dev.netext.linux.state.StateLedger;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * {@code /etc/resolv.conf} pointed at netext while a tunnel's DNS is up, and given back byte for byte afterwards.
 *
 * <p>Order, so that a {@code kill -9} at any point leaves something the next start can undo: the original bytes are
 * copied into the ledger's directory and forced to disk, then a {@value #ENTRY} entry naming the file, the copy and
 * the digest of what netext is about to write is recorded, then the file is written. Undo puts the copy back only
 * while the file still holds what netext wrote: anything else (a DHCP client rewrote it meanwhile) is newer than
 * netext's change and is left alone, with the copy kept and named in the error.
 *
 * <p>Writes go into the existing file ({@code O_TRUNC}, same inode), never by rename: under {@code ip netns exec}
 * the file is a bind mount of {@code /etc/netns/NS/resolv.conf}, which a rename cannot replace, and a symlinked
 * resolv.conf (resolvconf's) keeps its link.
 */
public final class ResolvConf {
    public static final Path SYSTEM = Path.of("/etc/resolv.conf");
    private static final Path ETC = Path.of("/etc");
    /** Where {@code ip netns exec NAME} finds the files it binds over {@code /etc}. */
    private static final Path ETC_NETNS = Path.of("/etc/netns");
    /** Ledger entry kind: {@code resolv-conf path=… saved=… wrote=SHA256}. */
    public static final String ENTRY = "resolv-conf";

    private final Path path;
    private final StateLedger ledger;
    private final Path saved;
    private final byte[] original;

    private ResolvConf(Path path, StateLedger ledger, Path saved, byte[] original) {
        this.path = path;
        this.ledger = ledger;
        this.saved = saved;
        this.original = original;
    }

    /**
     * Keeps {@code path}'s current bytes beside {@code ledger}, before anything is written to it. A missing file is
     * kept as no copy at all, so that restoring it removes the file again.
     */
    public static ResolvConf keep(Path path, StateLedger ledger) throws IOException {
        boolean exists = Files.exists(path);
        byte[] original = exists ? Files.readAllBytes(path) : new byte[0];
        Path saved = ledger.file().resolveSibling(ledger.file().getFileName() + ".resolv.conf");
        if (exists) {
            Files.write(saved, original, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE, StandardOpenOption.SYNC);
        }
        return new ResolvConf(path, ledger, exists ? saved : null, original);
    }

    /** The file's bytes before netext wrote it. */
    public byte[] original() { return original.clone(); }

    /**
     * The copy of the original, for readers of the resolvers it named (netext's own upstream group); null when there
     * was no file.
     */
    public Path savedCopy() { return saved; }

    /** Records, then writes {@code content} into the file in place. */
    public synchronized void write(byte[] content) throws IOException {
        ledger.record(saved != null
                ? LedgerEntry.of(ENTRY, "path", path.toString(), "saved", saved.toString(), "wrote", sha256(content))
                : LedgerEntry.of(ENTRY, "path", path.toString(), "absent", "true", "wrote", sha256(content)));
        writeInPlace(path, content);
    }

    /** Puts the original back (in place) and removes the copy; skipped, as in recovery, if the file changed since. */
    public synchronized void restore() throws IOException {
        if (saved == null) removeIfOurs(path, lastWritten());
        else restore(path, saved, lastWritten());
    }

    private String lastWritten() {
        List<LedgerEntry> mine = ledger.entries().stream().filter(e -> e.kind().equals(ENTRY)).toList();
        return mine.isEmpty() ? null : mine.getLast().get("wrote");
    }

    /**
     * Whether {@code path} is the very file (or directory) the host sees at that path while this process is in another
     * network namespace: pointing it at something of this namespace would break every other namespace (a namespace
     * entered without {@code ip netns exec}, or without {@code /etc/netns/NS/FILE}) — resolv.conf for names,
     * {@code /etc/profile.d} for a tunnel's proxy. Told by pid 1's root (same file: shared); where pid 1 cannot be
     * inspected (containers), by the namespace's name: a namespace under {@code /run/netns/NAME} without
     * {@code /etc/netns/NAME/…} for {@code ip netns exec} to put over {@code path} shares it. False when neither
     * tells (an unnamed namespace in a container, which has files of its own).
     */
    public static boolean sharedWithOtherNamespaces(Path path) {
        Path absolute = path.toAbsolutePath();
        try {
            long ours = NetworkNamespace.currentInode();
            try {
                long init = ((Number) Files.getAttribute(Path.of("/proc/1/ns/net"), "unix:ino")).longValue();
                if (ours == init) return false;
                Path hosts = Path.of("/proc/1/root").resolve(absolute.toString().substring(1));
                // stat both (dev + inode); toRealPath would turn /proc/1/root into this process's own "/"
                return Files.exists(path) && Files.exists(hosts) && Files.isSameFile(path, hosts);
            } catch (AccessDeniedException pid1Hidden) {
                return namedWithout(absolute, ours);
            }
        } catch (IOException | SecurityException e) {
            return false;
        }
    }

    /** This namespace has a name, and no {@code /etc/netns/NAME/REL} stands in for {@code /etc/REL}. */
    private static boolean namedWithout(Path absolute, long ours) throws IOException {
        if (!absolute.startsWith(ETC) || !Files.isDirectory(NetworkNamespace.NETNS_DIR)) return false;
        try (DirectoryStream<Path> named = Files.newDirectoryStream(NetworkNamespace.NETNS_DIR)) {
            for (Path ns : named) {
                long inode;
                try {
                    inode = ((Number) Files.getAttribute(ns, "unix:ino")).longValue();
                } catch (IOException gone) {
                    continue;
                }
                if (inode == ours) return !Files.exists(ETC_NETNS.resolve(ns.getFileName().toString()).resolve(ETC.relativize(absolute)));
            }
        }
        return false;
    }

    /** Undoes one {@value #ENTRY} ledger entry of a dead instance; other kinds are not this class's. */
    public static void undo(LedgerEntry entry) throws IOException {
        if (!entry.kind().equals(ENTRY)) return;
        if (entry.get("saved") == null) {
            removeIfOurs(Path.of(entry.require("path")), entry.require("wrote"));
            return;
        }
        Path saved = Path.of(entry.require("saved"));
        if (!Files.exists(saved)) return; // an earlier entry of the same ledger already restored it
        restore(Path.of(entry.require("path")), saved, entry.require("wrote"));
    }

    /**
     * {@code path}'s content as the network configured it: while a netext instance (live, or dead and not yet
     * recovered) has written it — its {@value #ENTRY} entry in a {@code RESOLVER} ledger in {@code stateDir} names
     * the file and the digest of what is in it now — the copy of the original kept beside that ledger (empty when
     * there was no file); otherwise the file itself (empty when absent). On-demand rules read the network's resolvers
     * and search domains from here, never netext's own {@code nameserver 127.0.2.53}.
     */
    public static byte[] networkContent(Path path, Path stateDir) throws IOException {
        byte[] now;
        try {
            now = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            return new byte[0];
        }
        if (!Files.isDirectory(stateDir)) return now;
        String digest = sha256(now);
        String glob = LedgerKind.RESOLVER.prefix() + "-*" + StateLedger.SUFFIX;
        try (DirectoryStream<Path> ledgers = Files.newDirectoryStream(stateDir, glob)) {
            for (Path ledger : ledgers) {
                List<String> lines;
                try {
                    lines = Files.readAllLines(ledger, StandardCharsets.US_ASCII);
                } catch (NoSuchFileException e) {
                    continue; // closed meanwhile
                }
                for (LedgerEntry e : StateLedger.entries(lines).reversed()) {
                    if (!e.kind().equals(ENTRY) || !path.toString().equals(e.get("path")) || !digest.equals(e.get("wrote")))
                        continue;
                    if (e.get("saved") == null) return new byte[0];
                    try {
                        return Files.readAllBytes(Path.of(e.get("saved")));
                    } catch (NoSuchFileException gone) {
                        return now; // restored meanwhile
                    }
                }
            }
        }
        return now;
    }

    /** Restores what dead instances of this network namespace left: the next start, and {@code diagnose --fix}. */
    public static List<StateLedger.Recovery> recover(Path stateDir) throws IOException {
        return StateLedger.recover(stateDir, LedgerKind.RESOLVER, ResolvConf::undo);
    }

    private static void restore(Path path, Path saved, String wrote) throws IOException {
        byte[] original;
        try {
            original = Files.readAllBytes(saved);
        } catch (NoSuchFileException e) {
            return;
        }
        byte[] now = Files.exists(path) ? Files.readAllBytes(path) : null;
        if (now != null && !Arrays.equals(now, original) && wrote != null && !sha256(now).equals(wrote)) {
            throw new IOException(path + " changed since netext wrote it; left as it is (its earlier content is kept in " + saved + ")");
        }
        if (now == null || !Arrays.equals(now, original)) writeInPlace(path, original);
        Files.deleteIfExists(saved);
    }

    /** There was no file before netext: remove netext's, unless something else replaced it. */
    private static void removeIfOurs(Path path, String wrote) throws IOException {
        if (!Files.exists(path)) return;
        if (wrote != null && sha256(Files.readAllBytes(path)).equals(wrote)) Files.delete(path);
        else throw new IOException(path + " changed since netext wrote it (there was none before); left as it is");
    }

    private static void writeInPlace(Path path, byte[] content) throws IOException {
        Files.write(path, content, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.SYNC);
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
