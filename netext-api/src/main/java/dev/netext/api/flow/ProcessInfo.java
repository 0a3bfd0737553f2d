package dev.netext.api.flow;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * The local process behind a flow, packet or query: what Network Extension conveys as {@code sourceAppAuditToken},
 * {@code sourceAppSigningIdentifier} and {@code sourceProcessAuditToken}. In NE an empty audit token leaves the
 * provider with nothing; netext reports every attribute it could find separately, each of which may be missing
 * (the socket belongs to a process that has exited, to another network namespace, or was attributed from conntrack
 * only). {@link #UNKNOWN} has nothing.
 *
 * <p>Null components are taken as missing, so a record built from partial data never carries nulls. Use
 * {@link #builder()} to set only what is known.
 *
 * @param pid         process id in the host's PID namespace
 * @param executable  {@code /proc/PID/exe} target at the time the flow was seen
 * @param commandLine {@code /proc/PID/cmdline}; empty when unknown
 * @param uid         effective user id (unsigned 32-bit, hence long)
 * @param gid         effective group id
 * @param cgroupPath  the cgroup v2 path, e.g. {@code /user.slice/user-1000.slice/app.slice/firefox.scope}
 * @param containerId the container runtime id when the cgroup belongs to one (docker, podman, containerd)
 */
public record ProcessInfo(
        OptionalInt pid,
        Optional<Path> executable,
        List<String> commandLine,
        OptionalLong uid,
        OptionalLong gid,
        Optional<String> cgroupPath,
        Optional<String> containerId) {

    public static final ProcessInfo UNKNOWN = builder().build();

    public ProcessInfo {
        if (pid == null) pid = OptionalInt.empty();
        if (executable == null) executable = Optional.empty();
        commandLine = commandLine == null ? List.of() : List.copyOf(commandLine);
        if (uid == null) uid = OptionalLong.empty();
        if (gid == null) gid = OptionalLong.empty();
        if (cgroupPath == null) cgroupPath = Optional.empty();
        if (containerId == null) containerId = Optional.empty();
        if (pid.isPresent() && pid.getAsInt() <= 0) throw new IllegalArgumentException("pid must be positive");
        checkId("uid", uid);
        checkId("gid", gid);
    }

    private static void checkId(String what, OptionalLong id) {
        if (id.isPresent() && (id.getAsLong() < 0 || id.getAsLong() > 0xFFFF_FFFEL))
            throw new IllegalArgumentException(what + " " + id.getAsLong() + " outside 0..4294967294");
    }

    /** Whether anything at all is known. */
    public boolean isKnown() {
        return pid.isPresent() || executable.isPresent() || !commandLine.isEmpty() || uid.isPresent()
                || gid.isPresent() || cgroupPath.isPresent() || containerId.isPresent();
    }

    public static Builder builder() { return new Builder(); }

    /** A builder seeded with this record's values. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.pid = pid;
        b.executable = executable;
        b.commandLine = commandLine;
        b.uid = uid;
        b.gid = gid;
        b.cgroupPath = cgroupPath;
        b.containerId = containerId;
        return b;
    }

    public static final class Builder {
        private OptionalInt pid = OptionalInt.empty();
        private Optional<Path> executable = Optional.empty();
        private List<String> commandLine = List.of();
        private OptionalLong uid = OptionalLong.empty();
        private OptionalLong gid = OptionalLong.empty();
        private Optional<String> cgroupPath = Optional.empty();
        private Optional<String> containerId = Optional.empty();

        private Builder() {}

        public Builder pid(int pid) { this.pid = OptionalInt.of(pid); return this; }
        public Builder executable(Path executable) { this.executable = Optional.ofNullable(executable); return this; }
        public Builder commandLine(List<String> commandLine) { this.commandLine = commandLine; return this; }
        public Builder uid(long uid) { this.uid = OptionalLong.of(uid); return this; }
        public Builder gid(long gid) { this.gid = OptionalLong.of(gid); return this; }
        public Builder cgroupPath(String cgroupPath) { this.cgroupPath = Optional.ofNullable(cgroupPath); return this; }
        public Builder containerId(String containerId) { this.containerId = Optional.ofNullable(containerId); return this; }

        public ProcessInfo build() {
            return new ProcessInfo(pid, executable, commandLine, uid, gid, cgroupPath, containerId);
        }
    }
}
