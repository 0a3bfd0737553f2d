/**
 * Address values: prefixes, families and domain names. NE uses {@code NWHostEndpoint} strings and
 * {@code NEIPv4Route}/{@code NEIPv6Route} pairs; netext uses one family-tagged {@link dev.netext.api.net.IpPrefix}
 * and parses numbers only, so reading a profile never blocks on DNS. {@link dev.netext.api.net.DomainName} gives
 * split DNS, network rules and on-demand rules one definition of "this name matches".
 */
package dev.netext.api.net;
