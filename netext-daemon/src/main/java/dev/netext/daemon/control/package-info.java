/**
 * The control API: a root-only Unix socket speaking JSON lines ({@link dev.netext.daemon.control.ControlServer}),
 * and the client the CLI uses ({@link dev.netext.daemon.control.ControlClient}). Requests are objects with an
 * {@code op}: {@code status}, {@code profiles}, {@code up}/{@code down} with {@code name}, {@code reload},
 * {@code events} with optional {@code follow}, {@code flow}, {@code after}. Replies carry {@code ok}; errors carry
 * {@code error}. {@code events} replies with event lines (docs/events.schema.json) until the history ends, or, with
 * {@code follow}, until the client closes the connection.
 */
package dev.netext.daemon.control;
