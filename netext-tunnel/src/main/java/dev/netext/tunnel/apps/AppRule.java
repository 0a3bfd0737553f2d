package dev.netext.tunnel.apps;

import dev.netext.linux.sys.Cgroup2;

import java.io.IOException;

/**
 * One entry of a tunnel's {@code apps:} list ({@code NEAppRule}): which processes' sockets the tunnel carries. The
 * kernel matches each socket by what it knows of it — its owner's uid, its cgroup — so a process's traffic is
 * matched from its first packet. An executable cannot be matched that way (a socket does not name the program
 * that opened it) and is refused by the profile; its cgroup is the way to name it.
 */
public sealed interface AppRule {

    /** The nft match expression of this rule. */
    String nftMatch(Resolver resolver) throws IOException;

    /** Turns a cgroup path into nft's name of it (Cgroup2.resolve on a host; a fixed map in tests). */
    @FunctionalInterface
    interface Resolver {
        Cgroup2.NftCgroup resolve(String cgroup) throws IOException;
    }

    /** Sockets owned by {@code uid} ({@code meta skuid}). */
    record Uid(int uid) implements AppRule {
        public Uid {
            if (uid < 0) throw new IllegalArgumentException("uid must not be negative: " + uid);
        }

        @Override public String nftMatch(Resolver resolver) { return "meta skuid " + Integer.toUnsignedString(uid); }

        @Override public String toString() { return "uid " + uid; }
    }

    /** Sockets of processes in cgroup {@code path} or below it ({@code socket cgroupv2}). */
    record Cgroup(String path) implements AppRule {
        public Cgroup {
            Cgroup2.components(path); // refuses what nft could not be given
        }

        @Override public String nftMatch(Resolver resolver) throws IOException {
            return resolver.resolve(path).match();
        }

        @Override public String toString() { return "cgroup " + path; }
    }
}
