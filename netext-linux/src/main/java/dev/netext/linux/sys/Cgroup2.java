package dev.netext.linux.sys;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The cgroup v2 hierarchy as nftables' {@code socket cgroupv2 level N "PATH"} sees it. nft turns PATH into the
 * cgroup's id (its inode) when the rule is added, by {@code stat("/sys/fs/cgroup/" + PATH)}, so:
 * <ul>
 *   <li>the cgroup must exist when the rule is added, and a cgroup removed and made again is another one;</li>
 *   <li>PATH is relative to {@code /sys/fs/cgroup}, not to the hierarchy's root: on a hybrid host the hierarchy is
 *       {@code /sys/fs/cgroup/unified}, so {@code /app.slice} is {@code "unified/app.slice"}; the level is counted
 *       from the hierarchy's root ({@code /app.slice} is level 1) whatever PATH is;</li>
 *   <li>{@code ip netns exec} mounts a fresh sysfs over {@code /sys} in a mount namespace of its own, which hides
 *       the hierarchy: there it is mounted again on the empty {@code /sys/fs/cgroup} — in that private mount
 *       namespace only, gone with it (never in PID 1's).</li>
 * </ul>
 */
public final class Cgroup2 {
    static final Path NFT_ROOT = Path.of("/sys/fs/cgroup");
    private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");

    private Cgroup2() {}

    /** A cgroup as nft names it. */
    public record NftCgroup(String path, int level) {
        /** The match expression: {@code socket cgroupv2 level 3 "unified/user.slice/app.slice/x.scope"}. */
        public String match() { return "socket cgroupv2 level " + level + " \"" + path + "\""; }
    }

    /**
     * The nft name of cgroup {@code cgroup} ({@code /user.slice/x.scope}, as the {@code 0::} line of
     * {@code /proc/PID/cgroup} shows it); throws, saying why, when nft could not match it.
     */
    public static NftCgroup resolve(String cgroup) throws IOException {
        List<String> parts = components(cgroup);
        Path mount = mountPoint().orElse(null);
        if (mount == null) mount = mountHidden();
        if (!mount.startsWith(NFT_ROOT))
            throw new IOException("the cgroup v2 hierarchy is mounted on " + mount + "; nft finds cgroups under "
                    + NFT_ROOT + " only");
        Path dir = mount.resolve(String.join("/", parts));
        if (!Files.isDirectory(dir))
            throw new IOException("cgroup " + cgroup + " does not exist (" + dir + "); nft matches a cgroup by its id,"
                    + " so it must exist when the tunnel starts");
        return new NftCgroup(NFT_ROOT.relativize(dir).toString(), parts.size());
    }

    /** The path's components; a path that is not absolute, climbs, or could break nft's quoting is refused. */
    public static List<String> components(String cgroup) {
        if (cgroup == null || !cgroup.startsWith("/") || cgroup.equals("/"))
            throw new IllegalArgumentException("a cgroup is an absolute path below the root, as /proc/PID/cgroup"
                    + " shows it (/user.slice/app.slice/x.scope)");
        List<String> parts = List.of(cgroup.substring(1).split("/+"));
        for (String p : parts) {
            if (p.isEmpty() || p.equals(".") || p.equals(".."))
                throw new IllegalArgumentException("'" + cgroup + "' has an empty, '.' or '..' component");
            for (char c : p.toCharArray())
                if (c < 0x21 || c == '"' || c == '\\' || c == 0x7f)
                    throw new IllegalArgumentException("'" + cgroup + "' contains '" + c + "'; cgroup names here are"
                            + " printable ASCII without quotes, backslashes or spaces");
        }
        return parts;
    }

    /** Where a cgroup2 file system of its whole hierarchy is mounted in this mount namespace. */
    static Optional<Path> mountPoint() throws IOException {
        for (String line : Files.readAllLines(MOUNTINFO, StandardCharsets.UTF_8)) {
            // ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL…] - FSTYPE SOURCE SUPER (proc(5))
            String[] f = line.split(" ");
            int dash = List.of(f).indexOf("-");
            if (dash < 0 || dash + 1 >= f.length || !f[dash + 1].equals("cgroup2") || !f[3].equals("/")) continue;
            return Optional.of(Path.of(f[4].replace("\\040", " ")));
        }
        return Optional.empty();
    }

    /**
     * Whether this process's mount namespace is not PID 1's. PID 1's may be unreadable (a container whose init
     * belongs to another user namespace): then this one is the container's, whose empty {@code /sys/fs/cgroup} is
     * where its own init would mount the hierarchy.
     */
    private static boolean ownMountNamespace() throws IOException {
        Path self = Files.readSymbolicLink(Path.of("/proc/self/ns/mnt"));
        try {
            return !self.equals(Files.readSymbolicLink(Path.of("/proc/1/ns/mnt")));
        } catch (IOException unreadable) {
            return true;
        }
    }

    /** Mounts the hierarchy on the empty {@code /sys/fs/cgroup} of a private mount namespace (see the class). */
    private static Path mountHidden() throws IOException {
        boolean empty;
        try (var s = Files.list(NFT_ROOT)) {
            empty = s.findAny().isEmpty();
        } catch (IOException e) {
            empty = false;
        }
        boolean ownNamespace = ownMountNamespace();
        if (!empty || !ownNamespace)
            throw new IOException("no cgroup v2 hierarchy is mounted here (" + MOUNTINFO + "): nft cannot match cgroups");
        HostPackages.require("mount");
        Process p = new ProcessBuilder("mount", "-t", "cgroup2", "cgroup2", NFT_ROOT.toString())
                .redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0)
                throw new IOException("could not mount the cgroup v2 hierarchy on " + NFT_ROOT + ": " + out);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted mounting cgroup2", e);
        }
        return NFT_ROOT;
    }
}
