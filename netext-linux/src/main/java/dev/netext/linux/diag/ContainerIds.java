package dev.netext.linux.diag;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The container a cgroup v2 path belongs to, as container runtimes name their cgroups. The innermost match wins
 * (a container nested in a pod slice, a container inside a VM-like machine).
 *
 * <ul>
 *   <li>systemd cgroup driver: {@code …/docker-<64 hex>.scope}, {@code …/cri-containerd-<id>.scope},
 *       {@code …/crio-<id>.scope}, {@code …/libpod-<id>.scope} (podman; not {@code libpod-conmon-<id>.scope},
 *       which is podman's monitor, outside the container);</li>
 *   <li>cgroupfs driver: a 64-hex path segment, e.g. {@code /docker/<id>}, {@code /kubepods/burstable/pod…/<id>},
 *       {@code /libpod_parent/libpod-<id>};</li>
 *   <li>systemd-nspawn and other systemd machines: {@code /machine.slice/machine-<name>.scope}, the name unescaped
 *       ({@code \x2d} → {@code -});</li>
 *   <li>LXC: {@code /lxc.payload.<name>/…} or {@code /lxc/<name>/…}.</li>
 * </ul>
 */
public final class ContainerIds {
    private ContainerIds() {}

    private static final Pattern RUNTIME_SCOPE =
            Pattern.compile("(?:docker|cri-containerd|crio|libpod)-([0-9a-f]{64})\\.scope");
    private static final Pattern BARE_ID = Pattern.compile("(?:libpod-)?([0-9a-f]{64})");
    private static final Pattern MACHINE_SCOPE = Pattern.compile("machine-(.+)\\.scope");
    private static final Pattern LXC_PAYLOAD = Pattern.compile("lxc\\.payload\\.(.+)");

    /** The container id or name for {@code cgroupPath}, if it names one. */
    public static Optional<String> fromCgroup(String cgroupPath) {
        if (cgroupPath == null || cgroupPath.isEmpty()) return Optional.empty();
        String[] segments = cgroupPath.split("/");
        for (int i = segments.length - 1; i >= 0; i--) {
            String s = segments[i];
            if (s.isEmpty()) continue;
            Matcher m;
            if ((m = RUNTIME_SCOPE.matcher(s)).matches()) return Optional.of(m.group(1));
            if ((m = BARE_ID.matcher(s)).matches()) return Optional.of(m.group(1));
            if ((m = LXC_PAYLOAD.matcher(s)).matches()) return Optional.of(m.group(1));
            if (i > 0 && segments[i - 1].equals("lxc")) return Optional.of(s);
            if ((m = MACHINE_SCOPE.matcher(s)).matches() && i > 0 && segments[i - 1].equals("machine.slice"))
                return Optional.of(unescapeSystemd(m.group(1)));
        }
        return Optional.empty();
    }

    /** systemd unit name escaping: {@code \xNN} is the byte NN (systemd-escape(1)). */
    static String unescapeSystemd(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length() && s.charAt(i + 1) == 'x') {
                int v = Character.digit(s.charAt(i + 2), 16) << 4 | Character.digit(s.charAt(i + 3), 16);
                if (v >= 0) {
                    b.append((char) v);
                    i += 3;
                    continue;
                }
            }
            b.append(c);
        }
        return b.toString();
    }
}
