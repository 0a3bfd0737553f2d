package dev.netext.linux.state;

import dev.netext.linux.ffm.Libc;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.sys.ProcessInfo;

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
 * <p>File: {@code /run/netext/<prefix>-<netns inode>-<pid>.state}. The first line names the owner
 * ({@code owner pid=… start=… netns=…}); each later line is a {@link LedgerEntry}, appended and forced to disk
 * <em>before</em> the object is created. Undo runs in reverse order and must tolerate objects already gone (the
 * kernel removes a dead process's TUN device, and its routes and addresses with it; rules and routes without a
 * device stay, which is why they are recorded).
 *
 * <p>{@code /run} is shared by every network namespace of the host, so the ledger names its namespace and an
 * instance only undoes ledgers of its own namespace; ledgers of namespaces that no longer exist are discarded.
 */
public final class StateLedger implements AutoCloseable {
    public static final Path DEFAULT_DIR = Path.of("/run/netext");
    private static final String SUFFIX = ".state";
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

    /** What {@link #recover} did, for logs and {@code netext diagnose}. */
    public record Recovery(Path ledger, int pid, List<LedgerEntry> undone, List<String> errors) {}

    /** Creates this instance's ledger in {@code dir}. */
    public static StateLedger create(Path dir, String prefix) throws IOException {
        int pid = Libc.getpid();
        long netns = NetworkNamespace.currentInode();
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
        ledger.writeLine("owner pid=" + pid + " start=" + ProcessInfo.currentStartTime() + " netns=" + netns);
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
     * Undoes the ledgers of dead instances of this network namespace, and discards ledgers of namespaces that no
     * longer exist. Live instances' ledgers are left alone.
     */
    public static List<Recovery> recover(Path dir, String prefix, Undo undo) throws IOException {
        List<Recovery> done = new ArrayList<>();
        if (!Files.isDirectory(dir)) return done;
        long ours = NetworkNamespace.currentInode();
        Set<Long> alive = new HashSet<>(NetworkNamespace.existingInodes());
        alive.add(ours);
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, prefix + "-*" + SUFFIX)) {
            for (Path p : ds) {
                List<String> lines;
                try {
                    lines = Files.readAllLines(p, StandardCharsets.US_ASCII);
                } catch (NoSuchFileException e) {
                    continue;
                }
                LedgerEntry owner = lines.isEmpty() ? null : LedgerEntry.parse(lines.getFirst());
                if (owner == null || !owner.kind().equals("owner")) {
                    Files.deleteIfExists(p); // torn at birth: nothing was created before the owner line
                    continue;
                }
                int pid = Integer.parseInt(owner.require("pid"));
                long start = Long.parseLong(owner.require("start"));
                long netns = Long.parseLong(owner.require("netns"));
                if (ProcessInfo.isAlive(pid, start)) continue;
                if (netns != ours) {
                    if (!alive.contains(netns)) {
                        // its kernel objects died with the namespace, but files (a UAPI socket under /var/run) live in
                        // the host's file system, which every namespace shares: remove those before the ledger
                        for (String l : lines.subList(1, lines.size()).reversed()) {
                            LedgerEntry e = LedgerEntry.parse(l);
                            if (e == null || !e.kind().equals(FILE_KIND)) continue;
                            try {
                                undo.undo(e);
                            } catch (IOException | RuntimeException ex) {
                                // best effort: the ledger of a vanished namespace is dropped either way
                            }
                        }
                        Files.deleteIfExists(p);
                    }
                    continue;
                }
                List<LedgerEntry> entries = new ArrayList<>();
                for (String l : lines.subList(1, lines.size())) {
                    LedgerEntry e = LedgerEntry.parse(l);
                    if (e != null) entries.add(e);
                }
                List<String> errors = new ArrayList<>();
                for (LedgerEntry e : entries.reversed()) {
                    try {
                        undo.undo(e);
                    } catch (IOException | RuntimeException ex) {
                        errors.add(e + ": " + ex.getMessage());
                    }
                }
                Files.deleteIfExists(p);
                done.add(new Recovery(p, pid, entries.reversed(), errors));
            }
        }
        deleteDirIfEmpty(dir);
        return done;
    }

    /** Ledgers in {@code dir} whose owner is dead: what {@code netext diagnose} reports as stale state. */
    public static List<Path> stale(Path dir, String prefix) throws IOException {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) return out;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, prefix + "-*" + SUFFIX)) {
            for (Path p : ds) {
                List<String> lines = Files.readAllLines(p, StandardCharsets.US_ASCII);
                LedgerEntry owner = lines.isEmpty() ? null : LedgerEntry.parse(lines.getFirst());
                if (owner == null || !ProcessInfo.isAlive(Integer.parseInt(owner.require("pid")),
                        Long.parseLong(owner.require("start")))) out.add(p);
            }
        }
        return out;
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
