package dev.netext.daemon.server;

import java.nio.file.Path;
import java.util.List;

/**
 * One profile as {@code netext status} shows it.
 *
 * @param active        whether its components are meant to run (they may still be connecting or restarting)
 * @param reason        why it is active or not: {@code enabled}, {@code disabled}, {@code on-demand: Connect rule 1},
 *                      {@code netext up}, {@code netext down}
 * @param onDemandRules how many on-demand rules it has
 */
public record ProfileState(String name, Path source, boolean enabled, boolean active, String reason, int onDemandRules,
                           List<ComponentStatus> components) {
    public ProfileState {
        components = List.copyOf(components);
    }
}
