package dev.netext.daemon.flows;

import java.util.Locale;

/** A person's answer to a prompt (a flow paused by a filter's {@code action: prompt}). */
public enum PromptAnswer {
    /** Allow this flow. */
    ALLOW_ONCE,
    /** Allow this flow and, for the daemon's lifetime, every flow of the same host and process. */
    ALLOW_ALWAYS,
    /** Drop this flow (reset). */
    DENY;

    /** {@code allow-once}, {@code allow-always}, {@code deny}. */
    public String wireName() { return name().toLowerCase(Locale.ROOT).replace('_', '-'); }

    /** The answer for a wire name, or null. */
    public static PromptAnswer parse(String s) {
        for (PromptAnswer a : values()) if (a.wireName().equals(s)) return a;
        return null;
    }
}
