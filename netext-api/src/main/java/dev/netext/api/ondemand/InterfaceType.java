package dev.netext.api.ondemand;

/**
 * The kind of the primary network interface: {@code NEOnDemandRuleInterfaceType}. Linux has no cellular class; a
 * modem, a USB tether, a tunnel or anything unrecognized is {@link #OTHER}.
 */
public enum InterfaceType {
    /** Ethernet ({@code ARPHRD_ETHER} without a wireless extension). */
    WIRED,
    /** 802.11 (has {@code /sys/class/net/NAME/wireless} or a phy80211 link). */
    WIFI,
    OTHER
}
