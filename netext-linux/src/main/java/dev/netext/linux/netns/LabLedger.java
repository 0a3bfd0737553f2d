package dev.netext.linux.netns;

import dev.netext.linux.sys.ProcessInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The crash-recovery record of one {@link NetnsLab}: {@code /run/netext/lab-PID-PREFIX.list}.
 *
 * <p>A lab that dies without closing (kill -9, a crashed test JVM) leaves named namespaces behind, and with them veth
 * pairs, addresses and routes that confuse the next run. So before a lab creates a namespace it appends the name here
 * and fsyncs; the first line records the owner's pid and start time. A later lab reads every ledger whose owner is
 * no longer alive (same pid with the same start time, see {@link ProcessInfo}) and deletes what it lists. Writing
 * before creating means a crash in between leaves a name that does not exist, which recovery skips, rather than a
 * namespace nobody knows about.
 *
 * <p>The file name carries the lab prefix as well as the pid so that one process may run several labs. The ledger
 * lives under {@code /run}, a tmpfs: namespaces do not survive a reboot, and neither should the record of them.
 */
final class LabLedger {
    private static final Logger log = LoggerFactory.getLogger(LabLedger.class);

    static final Path DEFAULT_DIR = Path.of("/run/netext");
    private static final String MAGIC = "netext-lab";
    private static final Pattern FILE = Pattern.compile("lab-(\\d+)(?:-([a-z0-9]+))?\\.list");
    private static final Pattern HEADER = Pattern.compile(MAGIC + " pid=(\\d+) start=(\\d+)(?: prefix=([a-z0-9]+))?");
    /** The only names recovery will delete: those a lab creates. A corrupt or planted ledger cannot name anything else. */
    static final Pattern LAB_NAMESPACE = Pattern.compile("nx[0-9a-f]{4}-[a-z0-9][a-z0-9_-]{0,39}");

    private final Path dir;
    private final Path file;
    private final FileChannel channel;

    private LabLedger(Path dir, Path file, FileChannel channel) {
        this.dir = dir;
        this.file = file;
        this.channel = channel;
    }

    /** Creates this process's ledger for the lab with {@code prefix}, header written and synced. */
    static LabLedger create(Path dir, String prefix) throws IOException {
        long pid = ProcessHandle.current().pid();
        long start = ProcessInfo.currentStartTime();
        Path file = dir.resolve("lab-" + pid + "-" + prefix + ".list");
        byte[] header = (MAGIC + " pid=" + pid + " start=" + start + " prefix=" + prefix + "\n").getBytes(StandardCharsets.US_ASCII);
        // Another lab's close() may remove the directory between our createDirectories and the file creation when it
        // finds the directory empty; that shows up as NoSuchFileException, and a retry recreates the directory.
        for (int attempt = 0; ; attempt++) {
            Files.createDirectories(dir);
            try {
                FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
                try {
                    writeFully(ch, header);
                    ch.force(true);
                    return new LabLedger(dir, file, ch);
                } catch (IOException | RuntimeException e) {
                    ch.close();
                    Files.deleteIfExists(file);
                    throw e;
                }
            } catch (NoSuchFileException e) {
                if (attempt >= 3) throw e;
            }
        }
    }

    Path file() { return file; }

    /** Records {@code namespace}, durably, before it is created. */
    synchronized void append(String namespace) throws IOException {
        writeFully(channel, (namespace + "\n").getBytes(StandardCharsets.US_ASCII));
        channel.force(true);
    }

    /** Deletes the ledger once everything it lists is gone, and the directory if no other lab uses it. */
    synchronized void delete() throws IOException {
        channel.close();
        Files.deleteIfExists(file);
        removeDirIfEmpty(dir);
    }

    /** Closes the file but keeps it, so that a later recovery retries what this lab could not delete. */
    synchronized void abandon() throws IOException {
        channel.close();
    }

    private static void writeFully(FileChannel ch, byte[] bytes) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) ch.write(buf);
    }

    private static void removeDirIfEmpty(Path dir) {
        try {
            Files.deleteIfExists(dir);
        } catch (DirectoryNotEmptyException e) {
            // another lab is running
        } catch (IOException e) {
            log.debug("cannot remove {}: {}", dir, e.toString());
        }
    }

    /** A ledger read back: owner and listed namespaces. */
    record Entry(Path file, long pid, OptionalLong startTime, List<String> namespaces) {
        /** Whether the owner is gone. Without a recorded start time (a crash mid-header), only a free pid proves it. */
        boolean ownerDead() {
            if (startTime.isPresent()) return !ProcessInfo.isAlive(pid, startTime.getAsLong());
            return ProcessInfo.startTime(pid).isEmpty();
        }
    }

    /** Every ledger in {@code dir}; unreadable or foreign files are skipped. */
    static List<Entry> list(Path dir) throws IOException {
        List<Entry> entries = new ArrayList<>();
        if (!Files.isDirectory(dir)) return entries;
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, "lab-*.list")) {
            for (Path p : stream) {
                Matcher fm = FILE.matcher(p.getFileName().toString());
                if (!fm.matches()) continue;
                List<String> lines;
                try {
                    lines = Files.readAllLines(p, StandardCharsets.US_ASCII);
                } catch (NoSuchFileException e) {
                    continue; // its owner closed meanwhile
                }
                long pid = Long.parseLong(fm.group(1));
                OptionalLong start = OptionalLong.empty();
                int first = 0;
                if (!lines.isEmpty()) {
                    Matcher hm = HEADER.matcher(lines.getFirst().strip());
                    if (hm.matches()) {
                        pid = Long.parseLong(hm.group(1));
                        start = OptionalLong.of(Long.parseLong(hm.group(2)));
                        first = 1;
                    }
                }
                List<String> names = new ArrayList<>();
                for (String line : lines.subList(first, lines.size())) {
                    String name = line.strip();
                    if (name.isEmpty()) continue;
                    if (LAB_NAMESPACE.matcher(name).matches()) names.add(name);
                    else log.warn("{}: ignoring '{}', not a lab namespace name", p, name);
                }
                entries.add(new Entry(p, pid, start, names));
            }
        }
        return entries;
    }

    /** Removes a dead lab's ledger after its namespaces are gone. */
    static void remove(Entry entry, Path dir) throws IOException {
        Files.deleteIfExists(entry.file());
        removeDirIfEmpty(dir);
    }
}
