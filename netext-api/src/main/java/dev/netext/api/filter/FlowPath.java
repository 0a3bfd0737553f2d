package dev.netext.api.filter;

/**
 * Which path a flow takes through the host, as its filter needs ({@link FilterDataProvider#pathFor}).
 *
 * <ul>
 *   <li>{@link #VERDICT}: the filter needs only the flow's name, process and opening bytes to give a final verdict
 *       ({@link FinalVerdict}). The host does not terminate the connection: it judges the flow from its first queued
 *       packets and leaves every later packet to the kernel (the fast path). A {@link FilterVerdict.Pause} still
 *       works there (the opening packets wait in the kernel), but a long one costs the application retransmissions,
 *       and {@link FilterVerdict.FilterData} cannot be honoured: it is taken as allow.</li>
 *   <li>{@link #TERMINATED}: the host terminates the connection and relays it, so the filter can pause it for long,
 *       watch its data ({@link FilterVerdict.FilterData}) or send it through a proxy.</li>
 * </ul>
 */
public enum FlowPath { VERDICT, TERMINATED }
