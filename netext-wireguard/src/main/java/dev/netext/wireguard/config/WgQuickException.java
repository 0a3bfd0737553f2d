package dev.netext.wireguard.config;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/** A wg-quick file with problems: every one of them, each as {@code file:line: key: reason}. */
public final class WgQuickException extends Exception {
    /** One problem; line 0 means the file as a whole. */
    public record Problem(Path file, int line, String key, String reason) {
        @Override
        public String toString() {
            return file + (line > 0 ? ":" + line : "") + ": " + (key.isEmpty() ? "" : key + ": ") + reason;
        }
    }

    private final List<Problem> problems;

    public WgQuickException(List<Problem> problems) {
        super(problems.stream().map(Problem::toString).collect(Collectors.joining("\n")));
        this.problems = List.copyOf(problems);
    }

    public List<Problem> problems() { return problems; }
}
