package dev.netext.daemon.diagnose;

import java.util.Locale;

/** How bad a {@link Conflict} is. Only {@link #ERROR} makes {@code netext diagnose} exit with 1. */
public enum Severity {
    /** Traffic is (or will be) misrouted or dropped. */
    ERROR("✗"),
    /** Likely the cause of a problem, or left-over state. */
    WARNING("!"),
    /** Worth knowing, usually harmless. */
    INFO("i");

    private final String marker;

    Severity(String marker) { this.marker = marker; }

    /** The marker the text report puts in front of the conflict. */
    public String marker() { return marker; }

    /** {@code error}, {@code warning}, {@code info}: the JSON value. */
    public String label() { return name().toLowerCase(Locale.ROOT); }
}
