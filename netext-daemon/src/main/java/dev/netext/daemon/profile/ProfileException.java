package dev.netext.daemon.profile;

import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

/** A profile that cannot be used, with every problem found in it: the message is one error per line. */
public final class ProfileException extends Exception {

    private final List<ProfileError> errors;

    public ProfileException(List<ProfileError> errors) {
        super(format(errors));
        if (errors.isEmpty()) throw new IllegalArgumentException("a ProfileException needs at least one error");
        this.errors = List.copyOf(errors);
    }

    public ProfileException(ProfileError error) {
        this(List.of(error));
    }

    /** The errors in file order (by line; errors on the same line keep the order they were found in). */
    public List<ProfileError> errors() { return errors; }

    private static String format(List<ProfileError> errors) {
        return errors.stream().map(ProfileError::toString).collect(Collectors.joining("\n"));
    }

    static List<ProfileError> sorted(List<ProfileError> errors) {
        return errors.stream()
                .sorted(Comparator.comparing((ProfileError e) -> e.file().toString()).thenComparingInt(ProfileError::line))
                .toList();
    }
}
