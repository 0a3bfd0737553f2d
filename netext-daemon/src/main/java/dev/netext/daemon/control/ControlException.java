package dev.netext.daemon.control;

import com.fasterxml.jackson.databind.JsonNode;

/** The daemon answered a request with {@code "ok": false}; the message is its error. */
public final class ControlException extends Exception {
    private final transient JsonNode reply;

    public ControlException(String message, JsonNode reply) {
        super(message);
        this.reply = reply;
    }

    public JsonNode reply() { return reply; }
}
