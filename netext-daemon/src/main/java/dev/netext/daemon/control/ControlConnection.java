package dev.netext.daemon.control;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;

/** The reply side of one control connection: JSON values, one per line. */
public interface ControlConnection {

    /** Writes one line; throws once the client has gone. */
    void send(JsonNode line) throws IOException;

    /** Writes one line already in JSON. */
    void sendRaw(String jsonLine) throws IOException;

    /** False once the client closed its side: long-running replies ({@code events --follow}) stop then. */
    boolean isOpen();

    /**
     * For a reply that lasts until the client leaves: watches the connection for the client closing it (it sends
     * nothing more after its request) and runs {@code onClose} then. Call once, as the last request.
     */
    void watchClose(Runnable onClose);

    /** What the caller may do ({@link ControlAccess}): ops that are permitted may still leave secrets out for members. */
    ControlAccess.Level access();
}
