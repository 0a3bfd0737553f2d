package dev.netext.daemon.control;

import jdk.net.UnixDomainPrincipal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * The control group as the group database has it, and which {@link ControlAccess.Level} a peer of the control socket
 * has.
 *
 * <p>A peer is known by its {@code SO_PEERCRED} uid and gid (Java gives them as names; not the pid). It is a member
 * when its primary group is the control group, or when {@code /etc/group} lists its user name among the group's
 * members. The file is read again for every connection, so {@code gpasswd -d} takes effect at once, also for sessions
 * that still carry the group. Joining needs a new login as with any group: the socket file is {@code root:GROUP}
 * mode 0660, and the kernel checks the connecting process's own groups first. Groups only an NSS service
 * (LDAP, sssd) knows count through the primary gid alone.
 */
public final class ControlGroup {
    public static final Path ETC_GROUP = Path.of("/etc/group");

    /** One line of {@code /etc/group}: {@code name:password:GID:user,user}. */
    public record Entry(String name, long gid, Set<String> members) {
        public Entry {
            members = Set.copyOf(members);
        }
    }

    private final String name;
    private final Path groupFile;

    public ControlGroup(String name, Path groupFile) {
        if (name == null || name.isEmpty() || name.contains(":") || name.contains("\n"))
            throw new IllegalArgumentException("not a group name: '" + name + "'");
        this.name = name;
        this.groupFile = groupFile;
    }

    public String name() { return name; }

    /** The group's line, or null when there is no such group (or no readable group file). */
    public Entry lookup() {
        try {
            return find(Files.readAllLines(groupFile, StandardCharsets.UTF_8), name);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            return null; // unreadable: nobody but root, which is the safe side
        }
    }

    /** The entry named {@code name} among {@code /etc/group} lines; null if none. Malformed lines are skipped. */
    public static Entry find(List<String> lines, String name) {
        for (String line : lines) {
            if (line.isEmpty() || line.startsWith("#") || line.startsWith("+") || line.startsWith("-")) continue;
            String[] f = line.split(":", -1);
            if (f.length != 4 || !f[0].equals(name)) continue;
            long gid;
            try {
                gid = Long.parseLong(f[2].strip());
            } catch (NumberFormatException e) {
                continue;
            }
            Set<String> members = f[3].isBlank() ? Set.of() : Set.of(splitMembers(f[3]));
            return new Entry(f[0], gid, members);
        }
        return null;
    }

    private static String[] splitMembers(String field) {
        return Arrays.stream(field.split(",")).map(String::strip).filter(s -> !s.isEmpty()).distinct()
                .toArray(String[]::new);
    }

    /** What {@code peer} may do: root and the daemon's own user everything, members of the group its ops. */
    ControlAccess.Level level(UnixDomainPrincipal peer) {
        if (peer == null) return ControlAccess.Level.NONE;
        String user = peer.user().getName();
        if (isRootOrSelf(user)) return ControlAccess.Level.FULL;
        Entry g = lookup();
        if (g == null) return ControlAccess.Level.NONE;
        return isMember(g, user, peer.group().getName()) ? ControlAccess.Level.MEMBER : ControlAccess.Level.NONE;
    }

    /**
     * Whether a user is in {@code g}: listed as a member, or with it as primary group ({@code primaryGroup} is the
     * gid's name, or the number itself when the gid has no name).
     */
    static boolean isMember(Entry g, String user, String primaryGroup) {
        return g.members().contains(user) || g.name().equals(primaryGroup) || Long.toString(g.gid()).equals(primaryGroup);
    }

    /** Root ({@code root}, or uid 0 without a name), or the user the daemon runs as. */
    static boolean isRootOrSelf(String user) {
        return user.equals("root") || user.equals("0") || user.equals(System.getProperty("user.name"));
    }
}
