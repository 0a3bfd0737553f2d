package dev.netext.linux.netlink;

/**
 * A netlink buffer that does not follow the layout of {@code linux/netlink.h}: a length field that runs past the
 * buffer or is shorter than its header, an attribute of the wrong size for its type, and the like. The only exception
 * the parser throws on bad input.
 */
public final class NetlinkFormatException extends RuntimeException {
    public NetlinkFormatException(String message) {
        super(message);
    }
}
