package dev.netext.api;

/**
 * Anything a provider decides about a flow, packet or query: the filter verdicts, packet verdicts, proxy claim
 * decisions and DNS decisions all implement it, so {@link ProviderEvent.FlowVerdict} can record any of them with
 * its type intact. A marker only: switch on the specific sealed type.
 */
public interface Verdict {}
