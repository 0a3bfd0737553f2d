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

    /** A builder filled with what could be read about {@code pid}; the files are read by {@link ProcFiles}. */
    public ProcessInfo.Builder read(int pid) {
        return read(pid, null);
    }

    /** As {@link #read(int)}, with {@code /proc/PID/cgroup} already read ({@code cgroupFile}; null: read it here). */
    ProcessInfo.Builder read(int pid, byte[] cgroupFile) {
        Path dir = proc.resolve(Integer.toString(pid));
        ProcessInfo.Builder b = ProcessInfo.builder().pid(pid);
        try {
            String exe = Files.readSymbolicLink(dir.resolve("exe")).toString();
            if (exe.endsWith(DELETED)) exe = exe.substring(0, exe.length() - DELETED.length());
            b.executable(Path.of(exe));
        } catch (IOException | UnsupportedOperationException | InvalidPathException e) {
            // kernel thread, exited, or not readable
        }
        byte[] cmdline = ProcFiles.read(dir.resolve("cmdline").toString(), MAX_CMDLINE_BYTES);
        if (cmdline != null) b.commandLine(parseCmdline(cmdline));
        byte[] status = ProcFiles.read(dir.resolve("status").toString(), ProcFiles.MAX_BYTES);
        if (status != null) {
            String text = new String(status, StandardCharsets.ISO_8859_1);
            long uid = effectiveId(text, "Uid:");
            long gid = effectiveId(text, "Gid:");
            if (uid >= 0) b.uid(uid);
            if (gid >= 0) b.gid(gid);
        }
        if (cgroupFile == null) cgroupFile = ProcFiles.read(dir.resolve("cgroup").toString(), ProcFiles.MAX_BYTES);
        String cgroup = cgroupFile == null ? null : parseCgroupV2(new String(cgroupFile, StandardCharsets.UTF_8));
        if (cgroup != null) {
            b.cgroupPath(cgroup);
            ContainerIds.fromCgroup(cgroup).ifPresent(b::containerId);
        }
        return b;
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
        int line = status.startsWith(key) ? 0 : status.indexOf("\n" + key) + 1; // 0: not found
        if (line == 0 && !status.startsWith(key)) return -1;
        int from = line + key.length();
        int end = status.indexOf('\n', from);
        String[] f = status.substring(from, end < 0 ? status.length() : end).trim().split("\\s+");
        if (f.length < 2) return -1;
        try {
            long v = Long.parseLong(f[1]);
            return v >= 0 && v <= 0xFFFF_FFFEL ? v : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The path of the cgroup v2 hierarchy ({@code 0::/user.slice/…}), or null on a v1-only system. */
    static String parseCgroupV2(String cgroupFile) {
        for (String line : cgroupFile.split("\n")) {
            if (line.startsWith("0::")) return line.substring(3).strip();
        }
        return null;
    }
}
