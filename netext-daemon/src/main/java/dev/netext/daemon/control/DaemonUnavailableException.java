package dev.netext.daemon.control;

/** The daemon cannot be reached: not running, or the socket refused us. The message says what to do. */
public class DaemonUnavailableException extends Exception {
    public DaemonUnavailableException(String message) {
        super(message);
    }
}
