/**
 * Transparent interception of locally originated flows with TPROXY: the nftables table {@code inet netext-flow} and
 * the policy routing that loops marked packets back in through {@code lo} ({@link dev.netext.linux.tproxy.TproxySteering}),
 * generated from an {@link dev.netext.linux.tproxy.InterceptionConfig}, every object recorded in the
 * {@link dev.netext.linux.state.StateLedger} first.
 */
package dev.netext.linux.tproxy;
