/**
 * The control API: a Unix socket speaking JSON lines ({@link dev.netext.daemon.control.ControlServer}), for root and,
 * for some ops, the members of the control group ({@link dev.netext.daemon.control.ControlAccess}), and the client
 * the CLI uses ({@link dev.netext.daemon.control.ControlClient}). Requests are objects with an {@code op}:
 * {@code status}, {@code profiles}, {@code up}/{@code down} with {@code name}, {@code reload}, {@code events} with
 * optional {@code follow}, {@code flow}, {@code after}, {@code flows}, {@code capture}, {@code dashboard}. Replies
 * carry {@code ok}; errors carry {@code error}, and a refusal by the permission check also {@code "denied":true}.
 * {@code events} replies with event lines (docs/events.schema.json) until the history ends, or, with
 * {@code follow}, until the client closes the connection.
 */
package dev.netext.daemon.control;
