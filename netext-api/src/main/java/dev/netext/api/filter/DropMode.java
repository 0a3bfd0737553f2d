package dev.netext.api.filter;

/**
 * How a dropped flow ends for the application. NE gives no choice (the socket sees an error); netext lets the filter
 * pick, because a silent drop makes clients wait for a timeout and a reset makes them fail over at once.
 */
public enum DropMode {
    /** TCP: send RST both ways; UDP: answer ICMP port unreachable. The application fails immediately. */
    RESET,
    /** Discard without telling anyone. The application waits for its own timeout. */
    SILENT
}
