package dev.netext.daemon.profile;

import dev.netext.flow.rules.FlowList;

import java.net.InetAddress;
import java.nio.file.Path;

/**
 * A {@code filter:} rule's reference to a declared list, as the profile gives it: a name and a file, not yet read.
 * {@link dev.netext.daemon.interception.FlowLauncher} replaces it by the loaded list when the filter starts; asking it
 * anything before that is a bug, and says so rather than matching nothing.
 */
public record ProfileList(String name, Path file) implements FlowList {
    @Override
    public boolean containsHost(String host) { throw new IllegalStateException("list " + name + " was not opened"); }

    @Override
    public boolean containsAddress(InetAddress address) { throw new IllegalStateException("list " + name + " was not opened"); }
}
