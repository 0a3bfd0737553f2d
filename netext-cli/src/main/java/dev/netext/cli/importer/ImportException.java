package dev.netext.cli.importer;

/** A file that cannot be turned into a netext profile, with a sentence saying why. */
public final class ImportException extends Exception {
    public ImportException(String message) {
        super(message);
    }
}
