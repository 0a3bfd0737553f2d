package dev.netext.linux.diag;

import dev.netext.api.flow.ProcessInfo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads what {@code /proc/PID} says about a process: {@code exe} (the executable's path; " (deleted)" is dropped
 * when the file was replaced or removed since the process started), {@code cmdline} (NUL-separated arguments),
 * {@code status} ({@code Uid:}/{@code Gid:} lines, of which the second value is the effective id) and
 * {@code cgroup} (the cgroup v2 line {@code 0::PATH}). Anything that cannot be read — the process exited, a kernel
 * thread has no exe — is left out rather than failing the rest.
 */
public final class ProcProcessReader {
    private static final String DELETED = " (deleted)";
    /** Arguments kept at most: a command line can be up to ARG_MAX (2 MiB); a flow record needs the start of it. */
    static final int MAX_CMDLINE_BYTES = 4096;

    private final Path proc;

    public ProcProcessReader() {
        this(Path.of("/proc"));
    }

    ProcProcessReader(Path proc) {
        this.proc = proc;
    }

    /** A builder filled with what could be read about {@code pid}. */
    public ProcessInfo.Builder read(int pid) {
        Path dir = proc.resolve(Integer.toString(pid));
        ProcessInfo.Builder b = ProcessInfo.builder().pid(pid);
        try {
            String exe = Files.readSymbolicLink(dir.resolve("exe")).toString();
            if (exe.endsWith(DELETED)) exe = exe.substring(0, exe.length() - DELETED.length());
            b.executable(Path.of(exe));
        } catch (IOException | UnsupportedOperationException | InvalidPathException e) {
            // kernel thread, exited, or not readable
        }
        try {
            b.commandLine(parseCmdline(readHead(dir.resolve("cmdline"))));
        } catch (IOException e) {
            // exited
        }
        try {
            String status = Files.readString(dir.resolve("status"), StandardCharsets.ISO_8859_1);
            long uid = effectiveId(status, "Uid:");
            long gid = effectiveId(status, "Gid:");
            if (uid >= 0) b.uid(uid);
            if (gid >= 0) b.gid(gid);
        } catch (IOException e) {
            // exited
        }
        try {
            String cgroup = parseCgroupV2(Files.readString(dir.resolve("cgroup"), StandardCharsets.UTF_8));
            if (cgroup != null) {
                b.cgroupPath(cgroup);
                ContainerIds.fromCgroup(cgroup).ifPresent(b::containerId);
            }
        } catch (IOException e) {
            // exited
        }
        return b;
    }

    private static byte[] readHead(Path file) throws IOException {
        try (var in = Files.newInputStream(file)) {
            return in.readNBytes(MAX_CMDLINE_BYTES);
        }
    }

    /** NUL-separated arguments; a trailing NUL ends the last one. Arguments are bytes, read as UTF-8. */
    static List<String> parseCmdline(byte[] raw) {
        List<String> args = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] == 0) {
                args.add(new String(raw, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        if (start < raw.length) args.add(new String(raw, start, raw.length - start, StandardCharsets.UTF_8));
        return args;
    }

    /** The effective id from a {@code Uid:}/{@code Gid:} line ({@code real effective saved fs}), or -1. */
    static long effectiveId(String status, String key) {
        for (String line : status.split("\n")) {
            if (!line.startsWith(key)) continue;
            String[] f = line.substring(key.length()).trim().split("\\s+");
            if (f.length < 2) return -1;
            try {
                long v = Long.parseLong(f[1]);
                return v >= 0 && v <= 0xFFFF_FFFEL ? v : -1;
            } catch (NumberFormatException e) {
                return -1;
            }
        }
        return -1;
    }

    /** The path of the cgroup v2 hierarchy ({@code 0::/user.slice/…}), or null on a v1-only system. */
    static String parseCgroupV2(String cgroupFile) {
        for (String line : cgroupFile.split("\n")) {
            if (line.startsWith("0::")) return line.substring(3).strip();
        }
        return null;
    }
}
