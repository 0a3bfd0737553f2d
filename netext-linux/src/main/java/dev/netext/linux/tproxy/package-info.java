/**
 * Transparent interception with TPROXY: the nftables table {@code inet netext-flow} and the policy routing that loops
 * marked packets back in through {@code lo} ({@link dev.netext.linux.tproxy.TproxySteering}) — locally originated TCP
 * and UDP, and in gateway mode traffic forwarded in through given interfaces — generated from an
 * {@link dev.netext.linux.tproxy.InterceptionConfig}, every object recorded in the
 * {@link dev.netext.linux.state.StateLedger} first; the UDP listener that reads each datagram's original destination
 * ({@link dev.netext.linux.tproxy.TransparentUdpListener}, {@link dev.netext.linux.tproxy.OriginalDestination}); a raw
 * socket for answers from addresses netext does not own ({@link dev.netext.linux.tproxy.RawIpSocket}).
 */
package dev.netext.linux.tproxy;
