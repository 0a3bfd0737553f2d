package dev.netext.linux.netlink;

/**
 * Takes the data messages of one netlink answer as {@link NetlinkSocket#request} reads them: the single reply to a
 * get, or every part of a dump. A message (and its payload) is valid only during the call: the socket's receive
 * buffer holds it, so decode what you keep.
 */
@FunctionalInterface
public interface NlReplies {
    /** For requests answered by an ACK alone: data messages arriving meanwhile (e.g. queued packets) are skipped. */
    NlReplies ACK = reply -> false;

    /**
     * Takes one data message ({@code nlmsg_type >= NLMSG_MIN_TYPE}) of the answer. Returns true when it completes
     * the answer (the one reply to a request without {@code NLM_F_ACK} or {@code NLM_F_DUMP}), false to read on to
     * the ACK or {@code NLMSG_DONE}.
     */
    boolean accept(NlMessage reply);

    /**
     * Whether the kernel's {@code errno} means "there is none" for this request (ENOENT for a lookup of one socket):
     * the answer then ends normally instead of with a {@code LinuxException}.
     */
    default boolean meansNone(int errno) { return false; }
}
