package dev.netext.daemon.flows;

import java.time.Duration;
import java.util.Locale;

/**
 * A person's answer to a prompt (a flow paused by a filter's {@code action: prompt}). Every answer but
 * {@code allow-once} and {@code deny} also saves a rule for the same host and process (see {@code SavedRules}).
 */
public enum PromptAnswer {
    /** Allow this flow. */
    ALLOW_ONCE(true, Keep.NONE),
    /** Allow this flow and, from now on, every flow of the same host and process (kept in the rules file). */
    ALLOW_ALWAYS(true, Keep.FILE),
    /** Allow this flow and the same host and process for an hour. */
    ALLOW_HOUR(true, Keep.HOUR),
    /** Allow this flow and the same host and process until the daemon stops (not written). */
    ALLOW_UNTIL_RESTART(true, Keep.MEMORY),
    /** Drop this flow (reset). */
    DENY(false, Keep.NONE),
    /** Drop this flow and, from now on, every flow of the same host and process. */
    DENY_ALWAYS(false, Keep.FILE),
    /** Drop this flow and the same host and process for an hour. */
    DENY_HOUR(false, Keep.HOUR),
    /** Drop this flow and the same host and process until the daemon stops. */
    DENY_UNTIL_RESTART(false, Keep.MEMORY);

    /** How long the rule an answer saves lasts. */
    public enum Keep { NONE, FILE, HOUR, MEMORY }

    private final boolean allows;
    private final Keep keep;

    PromptAnswer(boolean allows, Keep keep) {
        this.allows = allows;
        this.keep = keep;
    }

    public boolean allows() { return allows; }

    public Keep keep() { return keep; }

    /** How long a {@link Keep#HOUR} rule lasts. */
    public static final Duration HOUR = Duration.ofHours(1);

    /** {@code allow-once}, {@code allow-always}, {@code allow-hour}, {@code allow-until-restart}, {@code deny}, … */
    public String wireName() { return name().toLowerCase(Locale.ROOT).replace('_', '-'); }

    /** The answers' wire names, joined by {@code |}. */
    public static String wireNames() {
        StringBuilder b = new StringBuilder();
        for (PromptAnswer a : values()) b.append(b.isEmpty() ? "" : "|").append(a.wireName());
        return b.toString();
    }

    /** The answer for a wire name, or null. */
    public static PromptAnswer parse(String s) {
        for (PromptAnswer a : values()) if (a.wireName().equals(s)) return a;
        return null;
    }
}
