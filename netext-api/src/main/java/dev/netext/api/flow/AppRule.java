package dev.netext.api.flow;

import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Which processes an app proxy or per-app rule applies to: {@code NEAppRule}. macOS identifies an app by its code
 * signature; Linux has no such identity, so a rule names what Linux does know about a process. All present
 * conditions must hold; at least one must be present.
 *
 * @param executable   the executable's path, exactly
 * @param cgroupPrefix the process's cgroup path starts with this text: a slice, or a unit name prefix such as
 *                     {@code /user.slice/user-1000.slice/app.slice/app-firefox} (matching every
 *                     {@code app-firefox-*.scope}), the closest thing Linux has to an app identity
 * @param uid          the process runs as this user
 * @param gid          the process runs with this (effective) group
 * @param containerId  the process runs in this container (full id or an unambiguous prefix of at least 12 characters)
 */
public record AppRule(Optional<Path> executable, Optional<String> cgroupPrefix, OptionalLong uid, OptionalLong gid,
                      Optional<String> containerId) {

    /** A rule without a group condition (the form before {@code gid} was added). */
    public AppRule(Optional<Path> executable, Optional<String> cgroupPrefix, OptionalLong uid, Optional<String> containerId) {
        this(executable, cgroupPrefix, uid, OptionalLong.empty(), containerId);
    }

    public AppRule {
        if (executable == null) executable = Optional.empty();
        if (cgroupPrefix == null) cgroupPrefix = Optional.empty();
        if (uid == null) uid = OptionalLong.empty();
        if (gid == null) gid = OptionalLong.empty();
        if (containerId == null) containerId = Optional.empty();
        if (executable.isEmpty() && cgroupPrefix.isEmpty() && uid.isEmpty() && gid.isEmpty() && containerId.isEmpty())
            throw new IllegalArgumentException("an app rule needs at least one condition");
        if (containerId.isPresent() && containerId.get().length() < 12)
            throw new IllegalArgumentException("container id prefix shorter than 12 characters: " + containerId.get());
    }

    public static AppRule executable(Path path) {
        return new AppRule(Optional.of(path), null, null, null, null);
    }

    public static AppRule cgroup(String prefix) {
        return new AppRule(null, Optional.of(prefix), null, null, null);
    }

    public static AppRule uid(long uid) {
        return new AppRule(null, null, OptionalLong.of(uid), null, null);
    }

    public static AppRule gid(long gid) {
        return new AppRule(null, null, null, OptionalLong.of(gid), null);
    }

    /**
     * Whether {@code process} satisfies every condition. An attribute the process info lacks fails its condition:
     * an unattributed flow is never taken for an app's.
     */
    public boolean matches(ProcessInfo process) {
        if (executable.isPresent() && !process.executable().equals(executable)) return false;
        if (cgroupPrefix.isPresent() && process.cgroupPath().filter(c -> c.startsWith(cgroupPrefix.get())).isEmpty())
            return false;
        if (uid.isPresent() && !process.uid().equals(uid)) return false;
        if (gid.isPresent() && !process.gid().equals(gid)) return false;
        return containerId.isEmpty() || process.containerId().filter(c -> c.startsWith(containerId.get())).isPresent();
    }

}
