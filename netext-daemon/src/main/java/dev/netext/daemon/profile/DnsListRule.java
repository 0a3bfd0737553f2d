package dev.netext.daemon.profile;

import dev.netext.api.dns.DnsDecision;

import java.nio.file.Path;

/**
 * A {@code dns:} rule over a declared list: {@code { list: ads, action: block }}.
 *
 * @param list     the list's name
 * @param file     its file
 * @param decision NXDOMAIN, REFUSED or a sinkhole
 */
public record DnsListRule(String list, Path file, DnsDecision decision) {}
