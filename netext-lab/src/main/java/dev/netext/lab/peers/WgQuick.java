package dev.netext.lab.peers;

/**
 * wg-quick files ({@code wg-quick(8)}) for the ends of a lab tunnel, as {@code netext wg up}, wg-quick and
 * wireguard-go's tools read them. Keys are base64 ({@code Key.toBase64()}).
 */
public final class WgQuick {
    private WgQuick() {}

    /**
     * The file of one end with one peer.
     *
     * @param privateKey    this end's private key
     * @param address       {@code Address=}: this end's tunnel address with its prefix length
     * @param listenPort    {@code ListenPort=}, or 0 for none (a random port)
     * @param peerPublicKey the other end's public key
     * @param endpoint      {@code Endpoint=} as host:port, or null when the other end calls first
     * @param allowedIps    {@code AllowedIPs=}
     * @param keepalive     {@code PersistentKeepalive=} in seconds, or 0 for none
     */
    public static String oneEnd(String privateKey, String address, int listenPort, String peerPublicKey, String endpoint,
                                String allowedIps, int keepalive) {
        return "[Interface]\n"
                + "PrivateKey = " + privateKey + "\n"
                + "Address = " + address + "\n"
                + (listenPort != 0 ? "ListenPort = " + listenPort + "\n" : "")
                + "[Peer]\n"
                + "PublicKey = " + peerPublicKey + "\n"
                + (endpoint != null ? "Endpoint = " + endpoint + "\n" : "")
                + "AllowedIPs = " + allowedIps + "\n"
                + (keepalive != 0 ? "PersistentKeepalive = " + keepalive + "\n" : "");
    }
}
