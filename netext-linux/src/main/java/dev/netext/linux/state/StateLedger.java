package dev.netext.linux.state;

import dev.netext.linux.ffm.Libc;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.sys.ProcessInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The write-ahead record of every kernel object one netext instance creates, so that a crash — even {@code kill -9}
 * — never leaves a broken network behind: the next instance reads the dead one's ledger and undoes it.
 *
 * <p>File: {@code /run/netext/<prefix>-<netns inode>-<pid>.state}, the prefix that of its {@link LedgerKind}. The
 * first line names the owner ({@link LedgerOwner}: {@code owner pid=… start=… netns=… cookie=… boot=…}, identities
 * the kernel does not reuse; the file name is only a name); each later line is a {@link LedgerEntry}, appended and forced to disk
 * <em>before</em> the object is created. Undo runs in reverse order and must tolerate objects already gone (the
 * kernel removes a dead process's TUN device, and its routes and addresses with it; rules and routes without a
 * device stay, which is why they are recorded).
 *
 * <p>{@code /run} is shared by every network namespace of the host, so the ledger names its namespace and an
 * instance only undoes ledgers of its own namespace — same inode and same cookie — and ledgers of namespaces that no
 * longer exist are discarded.
 */
public final class StateLedger implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StateLedger.class);
    public static final Path DEFAULT_DIR = Path.of("/run/netext");
    /** The ledgers' file name ending: {@code KIND-PID….state}. */
    public static final String SUFFIX = ".state";
    /** Ledger entries of this kind name a path in the file system, shared by all network namespaces. */
    public static final String FILE_KIND = "file";

    private final Path file;
    private final FileChannel channel;
    private final List<LedgerEntry> entries = new ArrayList<>();
    private boolean closed;

    private StateLedger(Path file, FileChannel channel) {
        this.file = file;
        this.channel = channel;
    }

    /** Undoes one entry of a dead instance. Implementations ignore "no such object" errors. */
    @FunctionalInterface
    public interface Undo {
        void undo(LedgerEntry entry) throws IOException;
    }

    /**
     * Undoes what a live owner created, newest first (a jump before the chain it names, a rule before its table); one
     * that cannot be undone is logged and the rest still go. For an owner's own close; {@link #recover} is the crash
     * counterpart.
     */
    public static void undoNewestFirst(List<LedgerEntry> created, Undo undo) {
        for (LedgerEntry e : created.reversed()) {
            try {
                undo.undo(e);
            } catch (IOException | RuntimeException ex) {
                log.warn("removing {}: {}", e, ex.getMessage());
            }
        }
    }

    /** What {@link #recover} did, for logs and {@code netext diagnose}. */
    public record Recovery(Path ledger, int pid, List<LedgerEntry> undone, List<String> errors) {}

    /** Creates this instance's ledger of {@code kind} in {@code dir}. */
    public static StateLedger create(Path dir, LedgerKind kind) throws IOException {
        return create(dir, kind, null);
    }

    /**
     * Creates this instance's ledger of {@code kind} in {@code dir}; {@code instance} (null for none) tells apart
     * several ledgers of one kind in one process: {@code tunnel-INSTANCE-<netns>-<pid>.state}.
     */
    public static StateLedger create(Path dir, LedgerKind kind, String instance) throws IOException {
        int pid = Libc.getpid();
        long netns = NetworkNamespace.currentInode();
        String prefix = instance == null ? kind.prefix() : kind.prefix() + "-" + instance;
        Path file = dir.resolve(prefix + "-" + netns + "-" + pid + SUFFIX);
        FileChannel ch;
        for (int attempt = 1; ; attempt++) {
            Files.createDirectories(dir);
            try {
                ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                        StandardOpenOption.WRITE);
                break;
            } catch (NoSuchFileException e) {
                // another instance (or another tunnel of this daemon) removed the directory it found empty, between
                // our createDirectories and open: make it again
                if (attempt == 10) throw e;
            }
        }
        StateLedger ledger = new StateLedger(file, ch);
        ledger.writeLine(LedgerOwner.current(pid, netns, NetworkNamespace.currentCookie()).toEntry().toLine());
        return ledger;
    }

    public Path file() { return file; }

    /** Records {@code entry} durably; call before creating the object it names. */
    public synchronized void record(LedgerEntry entry) throws IOException {
        if (closed) throw new IOException("ledger " + file + " is closed");
        writeLine(entry.toLine());
        entries.add(entry);
    }

    /** Entries recorded so far, in order. */
    public synchronized List<LedgerEntry> entries() { return List.copyOf(entries); }

    private void writeLine(String line) throws IOException {
        ByteBuffer b = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.US_ASCII));
        while (b.hasRemaining()) channel.write(b);
        channel.force(false);
    }

    /**
     * Ends this instance's ledger after a clean teardown: the file is deleted, and the directory too if it is left
     * empty. The caller must have undone every entry first.
     */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        try {
            channel.close();
            Files.deleteIfExists(file);
            deleteDirIfEmpty(file.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Undoes the {@code kind} ledgers of dead instances of this network namespace, and discards ledgers of namespaces
     * that no longer exist. Live instances' ledgers are left alone, and so is every object a live ledger of this
     * namespace also names (two instances never share an object; a dead ledger naming a live one's object can only
     * be one whose namespace identity could not be checked).
     */
    public static List<Recovery> recover(Path dir, LedgerKind kind, Undo undo) throws IOException {
        List<Recovery> done = new ArrayList<>();
        if (!Files.isDirectory(dir)) return done;
        long ours = NetworkNamespace.currentInode();
        long cookie = NetworkNamespace.currentCookie();
        String boot = ProcessInfo.bootId();
        Set<Long> existing = new HashSet<>(NetworkNamespace.existingInodes());
        Set<LedgerEntry> liveHere = liveEntriesHere(dir, ours, cookie, boot, existing);
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, kind.prefix() + "-*" + SUFFIX)) {
            for (Path p : ds) {
                List<String> lines = linesIfPresent(p);
                if (lines == null) continue;
                LedgerOwner owner = lines.isEmpty() ? null : LedgerOwner.parse(lines.getFirst());
                if (owner == null) {
                    Files.deleteIfExists(p); // torn at birth: nothing was created before the owner line
                    continue;
                }
                if (owner.alive(boot)) continue;
                List<LedgerEntry> entries = entries(lines);
                switch (owner.placeIn(ours, cookie, boot, existing)) {
                    case ELSEWHERE -> { }
                    case GONE -> {
                        // Its kernel objects died with its namespace — also when a new namespace (this one, maybe)
                        // carries the dead one's inode: objects of the same names here are the new namespace's own,
                        // never to be touched. Files (a UAPI socket under /var/run) live in the host's file system,
                        // which every namespace shares: remove those before the ledger.
                        for (LedgerEntry e : entries.reversed()) {
                            if (!e.kind().equals(FILE_KIND)) continue;
                            try {
                                undo.undo(e);
                            } catch (IOException | RuntimeException ex) {
                                // best effort: the ledger of a vanished namespace is dropped either way
                            }
                        }
                        Files.deleteIfExists(p);
                    }
                    case HERE -> {
                        List<String> errors = new ArrayList<>();
                        for (LedgerEntry e : entries.reversed()) {
                            if (liveHere.contains(e)) continue; // a live instance's object (see above)
                            try {
                                undo.undo(e);
                            } catch (IOException | RuntimeException ex) {
                                errors.add(e + ": " + ex.getMessage());
                            }
                        }
                        Files.deleteIfExists(p);
                        done.add(new Recovery(p, owner.pid(), entries.reversed(), errors));
                    }
                }
            }
        }
        deleteDirIfEmpty(dir);
        return done;
    }

    /** The entries of every live ledger (any kind) of this namespace in {@code dir}. */
    private static Set<LedgerEntry> liveEntriesHere(Path dir, long inode, long cookie, String boot, Set<Long> existing)
            throws IOException {
        return entriesHere(dir, true, inode, cookie, boot, existing);
    }

    /**
     * The entries of every dead instance's ledger (any kind) of the calling thread's namespace in {@code dir}: what
     * the next recovery will undo. A new owner that finds a dead one's setting still in force adopts it (records the
     * same entry), so that recovery leaves it to the new owner instead of undoing it under it.
     */
    public static Set<LedgerEntry> deadEntriesHere(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return Set.of();
        return entriesHere(dir, false, NetworkNamespace.currentInode(), NetworkNamespace.currentCookie(),
                ProcessInfo.bootId(), new HashSet<>(NetworkNamespace.existingInodes()));
    }

    private static Set<LedgerEntry> entriesHere(Path dir, boolean alive, long inode, long cookie, String boot,
                                                Set<Long> existing) throws IOException {
        Set<LedgerEntry> out = new HashSet<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
            for (Path p : ds) {
                List<String> lines = linesIfPresent(p);
                if (lines == null) continue;
                LedgerOwner owner = lines.isEmpty() ? null : LedgerOwner.parse(lines.getFirst());
                if (owner != null && owner.alive(boot) == alive
                        && owner.placeIn(inode, cookie, boot, existing) == LedgerOwner.Place.HERE)
                    out.addAll(entries(lines));
            }
        }
        return out;
    }

    /** A ledger's object lines (the owner line excluded), torn lines skipped. */
    public static List<LedgerEntry> entries(List<String> lines) {
        List<LedgerEntry> out = new ArrayList<>();
        for (String l : lines.size() > 1 ? lines.subList(1, lines.size()) : List.<String>of()) {
            LedgerEntry e = LedgerEntry.parse(l);
            if (e != null) out.add(e);
        }
        return out;
    }

    /** {@code kind} ledgers in {@code dir} whose owner is dead: what {@code netext diagnose} reports as stale state. */
    public static List<Path> stale(Path dir, LedgerKind kind) throws IOException {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) return out;
        String boot = ProcessInfo.bootId();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, kind.prefix() + "-*" + SUFFIX)) {
            for (Path p : ds) {
                List<String> lines = Files.readAllLines(p, StandardCharsets.US_ASCII);
                LedgerOwner owner = lines.isEmpty() ? null : LedgerOwner.parse(lines.getFirst());
                if (owner == null || !owner.alive(boot)) out.add(p);
            }
        }
        return out;
    }

    /** A ledger's lines, or null when it is gone (its owner deleted it while the directory was being listed). */
    private static List<String> linesIfPresent(Path ledger) throws IOException {
        try {
            return Files.readAllLines(ledger, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    private static void deleteDirIfEmpty(Path dir) {
        if (dir == null) return;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            if (ds.iterator().hasNext()) return;
        } catch (IOException e) {
            return;
        }
        try {
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // another instance just wrote into it: keep it
        }
    }
}
