package dev.netext.daemon.control;

import com.fasterxml.jackson.databind.JsonNode;

/** Answers control requests: {@code {"op":"status"}} → one or more lines on the connection. */
@FunctionalInterface
public interface ControlHandler {

    /**
     * Handles one request. Problems the client caused are answered {@code {"ok":false,"error":…}}; an exception
     * thrown from here is answered the same way with its message, and the connection stays usable.
     */
    void handle(JsonNode request, ControlConnection connection) throws Exception;
}
