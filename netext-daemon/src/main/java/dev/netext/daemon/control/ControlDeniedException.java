package dev.netext.daemon.control;

/** The control socket's file refused us (the kernel's permission check): the message says who may use it. */
public final class ControlDeniedException extends DaemonUnavailableException {
    public ControlDeniedException(String message) {
        super(message);
    }
}
