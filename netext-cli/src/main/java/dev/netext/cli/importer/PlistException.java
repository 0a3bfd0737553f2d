package dev.netext.cli.importer;

/** A property list that cannot be read, with a sentence saying why. */
public final class PlistException extends Exception {
    public PlistException(String message) {
        super(message);
    }

    public PlistException(String message, Throwable cause) {
        super(message, cause);
    }
}
