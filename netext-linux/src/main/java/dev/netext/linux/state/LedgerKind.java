package dev.netext.linux.state;

/**
 * Every kind of netext component that writes a {@link StateLedger}: the one list of what can be found in
 * {@code /run/netext}. A ledger can only be created with one of these, so {@code netext diagnose} (which reads every
 * kind) and its {@code --fix} (which switches over them exhaustively) cannot miss a new kind.
 *
 * <p>The prefix is the start of the ledger's file name ({@code flow-<netns>-<pid>.state}); the components that
 * recover each kind live in the modules above this one.
 */
public enum LedgerKind {
    /** A packet tunnel: its TUN device, addresses, routes, policy rules, its UAPI socket file. */
    TUNNEL("tunnel", "tunnel"),
    /** DNS interception: table {@code inet netext-dns}, redirecting port 53 to netext's listener. */
    DNS("dns", "DNS interception"),
    /** The flow layer: table {@code inet netext-flow} (marks, TPROXY), its fwmark rules and local routes. */
    FLOW("flow", "flow interception"),
    /** Inbound flows: the iptables chains that queue new connections to local services ({@code NETEXT-IN-q}). */
    INBOUND("inbound", "inbound flow filter"),
    /** A packet filter: the iptables chains that steer packets to its netfilter queue. */
    PACKET_FILTER("pfilter", "packet filter"),
    /** A flow capture: table {@code inet netext-capture-G}, copying one flow's packets to an nflog group. */
    CAPTURE("capture", "flow capture"),
    /** The host's resolver pointed at netext for a tunnel's DNS: {@code /etc/resolv.conf}, its original kept beside. */
    RESOLVER("resolver", "host resolver"),
    /** A tunnel's kill switch: table {@code inet netext-killswitch}, dropping what would leave outside the tunnel. */
    KILL_SWITCH("killswitch", "kill switch"),
    /**
     * A per-app tunnel: table {@code inet netext-apps-N}, marking the chosen apps' packets for the tunnel's routing
     * table, sending their DNS to the tunnel's servers and their packets out with the tunnel's address.
     */
    APPS("apps", "per-app tunnel"),

    /** A tunnel's HTTP proxy given to the host: environment files in {@code /etc/profile.d} and {@code /etc/environment.d}. */
    PROXY("proxy", "host proxy");

    private final String prefix;
    private final String description;

    LedgerKind(String prefix, String description) {
        this.prefix = prefix;
        this.description = description;
    }

    /** The ledger file name's prefix. */
    public String prefix() { return prefix; }

    /** What writes it, for people: "flow interception". */
    public String description() { return description; }
}
