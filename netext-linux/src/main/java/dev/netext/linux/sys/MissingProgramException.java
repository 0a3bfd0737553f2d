package dev.netext.linux.sys;

import java.io.IOException;
import java.util.Optional;

/** An external program netext (or a test) needs is not installed; the message names its Debian package, in one line. */
public final class MissingProgramException extends IOException {
    private final String program;
    private final transient HostPackages.Package pkg;

    MissingProgramException(String program, Optional<HostPackages.Package> pkg) {
        super(pkg.map(p -> program + " is not installed: it comes with the Debian package " + p.name() + " (" + p.why()
                        + "); as root: apt-get install " + p.name())
                .orElse(program + " is not installed (not found on PATH)"));
        this.program = program;
        this.pkg = pkg.orElse(null);
    }

    public String program() { return program; }

    /** The package that provides the program, when packages/debian.txt lists it. */
    public Optional<HostPackages.Package> pkg() { return Optional.ofNullable(pkg); }
}
