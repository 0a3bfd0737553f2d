package dev.netext.daemon.install;

import dev.netext.daemon.control.ControlAccess;
import dev.netext.daemon.control.ControlGroup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The control group ({@code netext}) of a host, or of an image under a root directory: {@code install} creates it
 * with {@code groupadd --system} ({@code --prefix ROOT} under a root other than {@code /}); {@code uninstall} leaves
 * it, as Debian packages leave their system groups on removal and purge (files may still carry its gid, and a
 * group that comes back gets another one).
 */
public final class SystemGroup {
    private final Path root;
    private final String name;

    public SystemGroup(Path root, String name) {
        this.root = root;
        this.name = name;
    }

    /** The control group {@code netext} under {@code root}. */
    public static SystemGroup control(Path root) {
        return new SystemGroup(root, ControlAccess.DEFAULT_GROUP);
    }

    Path groupFile() { return root.resolve("etc/group"); }

    public boolean exists() {
        return new ControlGroup(name, groupFile()).lookup() != null;
    }

    /** Creates the group unless it exists; returns what it did, as a line for the user. */
    public String ensure() throws IOException, InterruptedException {
        if (exists()) return "group " + name + " exists (" + membersMay() + ")";
        if (!Files.exists(groupFile()))
            return "skipped group " + name + ": no " + groupFile() + " (create it in the image: groupadd --system " + name + ")";
        List<String> cmd = new ArrayList<>(List.of("groupadd", "--system"));
        if (!isHostRoot()) cmd.addAll(List.of("--prefix", root.toAbsolutePath().toString()));
        cmd.add(name);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out;
        try (var in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
        }
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", cmd) + " did not finish in 30 s");
        }
        if (p.exitValue() != 0) throw new IOException(String.join(" ", cmd) + " failed (exit " + p.exitValue() + "): " + out);
        return "created group " + name + " (" + membersMay() + ")";
    }

    /** What uninstall says about the group: it stays. */
    public String keptNote() {
        return "kept group " + name + " (system groups stay, as with Debian packages; 'groupdel " + name + "' removes it)";
    }

    private String membersMay() {
        return "its members may run " + ControlAccess.memberCommandList() + " without sudo: sudo usermod -aG " + name + " USER";
    }

    private boolean isHostRoot() {
        return root.toAbsolutePath().normalize().equals(Path.of("/"));
    }
}
