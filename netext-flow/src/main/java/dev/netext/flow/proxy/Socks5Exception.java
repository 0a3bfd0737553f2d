package dev.netext.flow.proxy;

import java.io.IOException;

/** A SOCKS5 server answered with a failure or with bytes that are not SOCKS5. */
public final class Socks5Exception extends IOException {
    public Socks5Exception(String message) { super(message); }
}
