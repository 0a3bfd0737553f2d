/**
 * Network path changes: what {@code NWPathMonitor} and {@code defaultPath} tell NE providers, taken from rtnetlink
 * with the link, address and default-route detail a provider needs to decide whether to reconnect.
 */
package dev.netext.api.path;
