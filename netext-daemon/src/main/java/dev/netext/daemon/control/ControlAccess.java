package dev.netext.daemon.control;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Who may run which control op. Root (and the daemon's own user) may run everything; members of the control group
 * ({@code netext} unless {@code netext daemon --control-group} says otherwise) may run the ops behind
 * {@link #MEMBER_COMMANDS}; everyone else nothing. Everything not listed — {@code reload}, {@code capture},
 * {@code dashboard} (its token answers prompts), {@code prompt} ({@code netext prompts}) and {@code rules} (an answer
 * decides a flow of any user's process and may save a rule for all later ones), anything that changes the host beyond
 * starting and stopping configured profiles — needs root.
 */
public final class ControlAccess {

    /** What a caller may do, decided once per connection from its {@code SO_PEERCRED} credentials. */
    public enum Level {
        /** Root or the daemon's own user: every op. */
        FULL,
        /** A member of the control group: the ops of {@link #MEMBER_COMMANDS}. */
        MEMBER,
        /** Anyone else: nothing. */
        NONE
    }

    /** A CLI command members may run, and the control ops it sends. */
    public record MemberCommand(String command, List<String> ops) {
        public MemberCommand {
            ops = List.copyOf(ops);
        }

        MemberCommand(String command, String... ops) {
            this(command, List.of(ops));
        }
    }

    /**
     * The control group's commands, in the order the refusal lists them. A new member command is one line here
     * (e.g. {@code new MemberCommand("message", "message")}).
     */
    public static final List<MemberCommand> MEMBER_COMMANDS = List.of(
            new MemberCommand("status", "status", "profiles"),
            new MemberCommand("up", "up"),
            new MemberCommand("down", "down"),
            new MemberCommand("message", "message"),
            new MemberCommand("events", "events"),
            new MemberCommand("flows", "flows"),
            new MemberCommand("dns log", "events"));

    /** The ops behind {@link #MEMBER_COMMANDS}. */
    public static final Set<String> MEMBER_OPS = memberOps();

    /** The group that {@code netext install} creates and {@code netext daemon} checks by default. */
    public static final String DEFAULT_GROUP = "netext";

    private ControlAccess() {}

    /** Whether a caller of {@code level} may run {@code op}. */
    public static boolean permits(Level level, String op) {
        return switch (Objects.requireNonNull(level)) {
            case FULL -> true;
            case MEMBER -> MEMBER_OPS.contains(op);
            case NONE -> false;
        };
    }

    /**
     * The one line a refused caller gets: for a member, which op needs root and what members may run; for anyone
     * else, that the socket is for root and the group's members, or for root only when there is no such group.
     *
     * @param op       the refused op ({@code ?} when the request had none)
     * @param level    the caller's level
     * @param user     the caller's user name (from {@code SO_PEERCRED})
     * @param group    the control group's name
     * @param groupExists whether the control group exists on this host
     */
    public static String refusal(String op, Level level, String user, String group, boolean groupExists) {
        if (level == Level.MEMBER)
            return "permission denied: '" + op + "' needs root; members of group " + group + " may run " + memberCommandList();
        if (!groupExists)
            return "permission denied: the netext control socket is for root only (you are " + user + "); 'netext install' "
                    + "creates group " + group + ", whose members may run " + memberCommandList();
        return "permission denied: '" + op + "' needs root or group " + group + " (you are " + user + ", not a member; "
                + "sudo usermod -aG " + group + " " + user + ", then log in again); members may run " + memberCommandList();
    }

    /** {@code status, up, down, message, events, flows, dns log}. */
    public static String memberCommandList() {
        List<String> names = new ArrayList<>();
        for (MemberCommand c : MEMBER_COMMANDS) names.add(c.command());
        return String.join(", ", names);
    }

    private static Set<String> memberOps() {
        Set<String> ops = new LinkedHashSet<>();
        for (MemberCommand c : MEMBER_COMMANDS) ops.addAll(c.ops());
        return Set.copyOf(ops);
    }
}
