/**
 * What the daemon's loopback HTTP listeners (dashboard, metrics) share: the {@code Host} check that refuses
 * DNS-rebound pages ({@link dev.netext.daemon.http.LoopbackHost}) and a bounded, time-limited request-head reader
 * ({@link dev.netext.daemon.http.RequestHead}).
 */
package dev.netext.daemon.http;
