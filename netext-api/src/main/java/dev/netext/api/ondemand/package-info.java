/**
 * On-demand rules: {@code NEOnDemandRule} and its Connect, Disconnect, EvaluateConnection and Ignore subclasses, with
 * the interface, search-domain, DNS-server and probe-URL conditions. Rules are evaluated in order and the first match
 * wins, as in NE. netext makes evaluation a pure function of a {@link dev.netext.api.ondemand.NetworkState} and a
 * probe ({@link dev.netext.api.ondemand.OnDemandEvaluator}), so a profile's rules can be tested without a network;
 * DNS-server conditions take prefixes, and interface conditions take Linux interface names.
 */
package dev.netext.api.ondemand;
