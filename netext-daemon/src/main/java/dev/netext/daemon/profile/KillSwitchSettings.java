package dev.netext.daemon.profile;

/**
 * A tunnel's leak protection, keys named after Network Extension's {@code NEVPNProtocol} properties and written
 * directly under {@code tunnel:}.
 *
 * @param includeAllNetworks   {@code include-all-networks}: while the profile is enabled, nothing leaves but through
 *                             the tunnel, as its transport, or DHCP (the kill switch)
 * @param excludeLocalNetworks {@code exclude-local-networks}: directly connected subnets, link-local and mDNS pass
 * @param enforceRoutes        {@code enforce-routes}: the tunnel's routes win over more specific local ones
 */
public record KillSwitchSettings(boolean includeAllNetworks, boolean excludeLocalNetworks, boolean enforceRoutes) {
    public static final KillSwitchSettings NONE = new KillSwitchSettings(false, false, false);
}
