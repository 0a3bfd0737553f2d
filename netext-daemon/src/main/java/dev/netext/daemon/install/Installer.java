package dev.netext.daemon.install;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Headless deployment: writes netextd's systemd unit and creates {@code /etc/netext/} ({@code profiles.d/},
 * {@code plugins/}), with no question asked, so configuration management can push profiles as plain files. Every
 * path is under a root directory ({@code /} on a real host, a temporary directory in tests); running
 * {@code systemctl} is the caller's business and only ever happens for the real root.
 */
public final class Installer {
    public static final String UNIT_NAME = "netext.service";

    private final Path root;

    public Installer(Path root) {
        this.root = root;
    }

    public Path unitFile() { return root.resolve("etc/systemd/system").resolve(UNIT_NAME); }

    public Path etcDir() { return root.resolve("etc/netext"); }

    public Path profilesDir() { return etcDir().resolve("profiles.d"); }

    public Path pluginsDir() { return etcDir().resolve("plugins"); }

    /** What install or uninstall did, one line per path, for the user. */
    public record Result(List<String> actions) {
        public Result {
            actions = List.copyOf(actions);
        }
    }

    /**
     * The unit. Paths inside it are the host's ({@code /etc/netext/…}), whatever root the file is written under.
     *
     * @param launcher the absolute path of {@code bin/netext}
     */
    public static String unit(Path launcher) {
        return """
                # netextd: written by 'netext install'; removed by 'netext uninstall'.
                [Unit]
                Description=netext daemon (Network Extension framework for Linux: managed profiles, tunnels, on-demand)
                Wants=network-pre.target
                After=network-pre.target
                Before=network.target

                [Service]
                Type=simple
                ExecStart=%s daemon --profiles-dir /etc/netext/profiles.d --plugins-dir /etc/netext/plugins --control /run/netext/control.sock
                ExecReload=/bin/kill -HUP $MAINPID
                Restart=on-failure
                RestartSec=2
                # exit status 2: the profiles have errors; restarting would not fix them (fix them, then start)
                RestartPreventExitStatus=2
                # /run/netext holds the crash-recovery ledgers: they must outlive a crashed daemon
                RuntimeDirectory=netext
                RuntimeDirectoryPreserve=yes
                # NET_ADMIN: TUN, routes, rules, nftables; NET_RAW: raw and packet sockets; NET_BIND_SERVICE: DNS on
                # port 53; DAC_READ_SEARCH and SYS_PTRACE: attributing flows to processes through /proc; CHOWN: the
                # control socket goes to group netext (mode 0660), whose members may run status, up, down, …
                CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW CAP_NET_BIND_SERVICE CAP_DAC_READ_SEARCH CAP_SYS_PTRACE CAP_CHOWN
                NoNewPrivileges=yes
                PrivateTmp=yes
                ProtectSystem=full
                ProtectKernelModules=yes
                ProtectControlGroups=yes
                LimitNOFILE=65536

                [Install]
                WantedBy=multi-user.target
                """.formatted(launcher);
    }

    /** Writes (or updates) the unit and creates the directories; changes nothing that is already right. */
    public Result install(Path launcher) throws IOException {
        if (!launcher.isAbsolute()) throw new IllegalArgumentException("the launcher path must be absolute: " + launcher);
        List<String> actions = new ArrayList<>();
        for (Path d : List.of(etcDir(), profilesDir(), pluginsDir())) {
            if (Files.isDirectory(d)) continue;
            Files.createDirectories(d);
            Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
            actions.add("created " + d);
        }
        Path unit = unitFile();
        String text = unit(launcher);
        if (Files.exists(unit) && Files.readString(unit).equals(text)) {
            actions.add("unchanged " + unit);
        } else {
            boolean existed = Files.exists(unit);
            Files.createDirectories(unit.getParent());
            Path tmp = unit.resolveSibling("." + UNIT_NAME + ".tmp");
            Files.writeString(tmp, text);
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
            Files.move(tmp, unit, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            actions.add((existed ? "updated " : "wrote ") + unit);
        }
        return new Result(actions);
    }

    /**
     * Removes the unit and {@code /etc/netext}. Profiles and plugins someone put there are removed only with
     * {@code purge}; without it they are kept (and listed) so an uninstall never destroys configuration by surprise.
     */
    public Result uninstall(boolean purge) throws IOException {
        List<String> actions = new ArrayList<>();
        if (Files.deleteIfExists(unitFile())) actions.add("removed " + unitFile());
        for (Path d : List.of(profilesDir(), pluginsDir())) {
            if (!Files.exists(d)) continue;
            List<Path> contents;
            try (Stream<Path> s = Files.list(d)) {
                contents = s.sorted().toList();
            }
            if (!contents.isEmpty() && !purge) {
                actions.add("kept " + d + " (" + contents.size() + " file(s); --purge removes them)");
                continue;
            }
            deleteTree(d);
            actions.add("removed " + d + (contents.isEmpty() ? "" : " with " + contents.size() + " file(s)"));
        }
        if (Files.exists(etcDir())) {
            try {
                Files.delete(etcDir());
                actions.add("removed " + etcDir());
            } catch (DirectoryNotEmptyException e) {
                if (purge) {
                    deleteTree(etcDir());
                    actions.add("removed " + etcDir());
                } else {
                    actions.add("kept " + etcDir() + " (not empty)");
                }
            }
        }
        if (actions.isEmpty()) actions.add("nothing to remove: netext is not installed under " + root);
        return new Result(actions);
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }
}
