/**
 * How the daemon runs a profile's flow interception: {@link dev.netext.daemon.interception.FlowLauncher} starts the
 * flow engine with the profile's filter and proxies, {@link dev.netext.daemon.interception.SupervisedFilter} and
 * {@link dev.netext.daemon.interception.SupervisedProxy} host custom filter and proxy classes under the
 * {@link dev.netext.daemon.supervisor.ProviderSupervisor}, and {@link dev.netext.daemon.interception.SavedRulesFilter}
 * puts the user's saved rules before the profile's. What the daemon records about the flows themselves (the flow
 * table, DNS links, prompts) is {@link dev.netext.daemon.flows}.
 */
package dev.netext.daemon.interception;
