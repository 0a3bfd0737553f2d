package dev.netext.cli.prompts;

import dev.netext.cli.console.Tty;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * What {@code netext prompts} draws: the whole screen each time (a prompt is a dozen lines, so redrawing is simpler
 * than tracking what changed and costs nothing), one waiting flow with its process, host and port, how many more
 * wait, the keys, and the last answer's outcome.
 */
public final class PromptScreen {
    private PromptScreen() {}

    /**
     * @param p       the prompt shown, or null when none waits
     * @param waiting how many prompts wait, {@code p} included
     * @param offered the answers the daemon takes (a key for another answer is left out of the legend)
     * @param status  the last answer's outcome or an error, or null
     */
    public static String render(PendingPrompts.Pending p, int waiting, Instant now, Set<String> offered, String status) {
        StringBuilder b = new StringBuilder(Tty.CLEAR);
        b.append(Tty.BOLD).append("netext prompts").append(Tty.RESET);
        if (p == null) {
            b.append(" — no flow is waiting for an answer\n\n  New prompts appear here as flows are paused.\n");
        } else {
            b.append(" — flow ").append(p.id()).append(" of profile ").append(p.profile());
            if (waiting > 1) b.append(" (").append(waiting - 1).append(waiting == 2 ? " other waits" : " others wait").append(')');
            b.append("\n\n");
            line(b, "process", p.processLabel() + (p.executable() != null ? "  " + p.executable() : "")
                    + (p.uid() != null ? "  uid " + p.uid() : ""));
            line(b, "host", p.host() == null ? "(not named)" : p.host() + (p.hostSource() != null ? "  (" + p.hostSource() + ")" : ""));
            line(b, "port", p.port() + "/" + p.protocol());
            line(b, "address", p.address());
            if (p.rule() != null) line(b, "asked by", "rule " + p.rule());
            if (p.deadline() != null) {
                long left = Math.max(0, Duration.between(now, p.deadline()).toSeconds());
                line(b, "times out", "in " + left + " s, then " + (p.onTimeout() == null ? "the default" : p.onTimeout()));
            }
        }
        b.append('\n');
        legend(b, "allow", PromptKeys.ALLOW, offered);
        legend(b, "deny", PromptKeys.DENY, offered);
        b.append("  ").append(PromptKeys.NEXT).append(" next waiting   ").append(PromptKeys.QUIT).append(" quit\n");
        if (status != null) b.append('\n').append("  ").append(status).append('\n');
        return b.toString();
    }

    private static void line(StringBuilder b, String name, String value) {
        b.append(String.format("  %-10s %s%n", name, value));
    }

    private static void legend(StringBuilder b, String what, List<PromptKeys.Key> keys, Set<String> offered) {
        b.append(String.format("  %-7s", what + ":"));
        for (PromptKeys.Key k : keys) {
            if (offered.contains(k.answer())) b.append(Tty.BOLD).append(k.key()).append(Tty.RESET).append(' ').append(k.label()).append("   ");
        }
        b.append('\n');
    }
}
