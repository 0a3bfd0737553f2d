package dev.netext.daemon.diagnose;

import java.util.List;
import java.util.Objects;

/**
 * One finding of {@link ConflictDetector}.
 *
 * @param severity how bad it is
 * @param code     a stable identifier of the kind of finding ({@code route-overlap}, {@code stale-ledger}…)
 * @param message  one line: what is wrong and what it does to traffic
 * @param fix      one line: what to do about it
 * @param subjects the devices (or ledger files, tables, rules) the finding names, for machine consumers
 */
public record Conflict(Severity severity, String code, String message, String fix, List<String> subjects) {
    /** Codes, for tests and JSON consumers. */
    public static final String ROUTE_OVERLAP = "route-overlap", STALE_LEDGER = "stale-ledger",
            ORPHAN_RULE = "orphan-rule", ORPHAN_TABLE = "orphan-table",
            ORPHAN_NFT_TABLE = "orphan-nft-table", ORPHAN_CHAIN = "orphan-chain", RP_FILTER = "rp-filter-strict",
            TUN_DOWN = "tun-down", TUN_NO_CARRIER = "tun-no-carrier", TUN_NO_ADDRESS = "tun-no-address", IPV6_DISABLED = "ipv6-disabled",
            NO_DEFAULT_ROUTE = "no-default-route";

    public Conflict {
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(fix, "fix");
        subjects = List.copyOf(subjects);
    }
}
