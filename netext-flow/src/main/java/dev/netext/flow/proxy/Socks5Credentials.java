package dev.netext.flow.proxy;

import java.nio.charset.StandardCharsets;

/** A SOCKS5 username and password (RFC 1929): each 1..255 bytes of UTF-8. */
public record Socks5Credentials(String username, String password) {
    public Socks5Credentials {
        check("username", username);
        check("password", password);
    }

    private static void check(String what, String v) {
        if (v == null || v.isEmpty()) throw new IllegalArgumentException("SOCKS5 " + what + " is empty");
        if (v.getBytes(StandardCharsets.UTF_8).length > Socks5.MAX_CREDENTIAL_LENGTH)
            throw new IllegalArgumentException("SOCKS5 " + what + " is longer than 255 bytes");
    }

    @Override
    public String toString() { return "Socks5Credentials[" + username + ", password hidden]"; }
}
