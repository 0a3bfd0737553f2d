/**
 * The one ordered event log of a netext host: {@link dev.netext.daemon.events.EventLog} numbers every event with a
 * global sequence and a monotonic timestamp, keeps a ring for late readers and feeds live
 * {@link dev.netext.daemon.events.Subscription}s that never slow producers down (a slow reader gets a
 * {@link dev.netext.daemon.events.LogEntry.Gap}). {@link dev.netext.daemon.events.EventJson} is the JSON-lines
 * format, specified by {@code docs/events.schema.json}; {@link dev.netext.daemon.events.JsonLinesExporter} writes it
 * to a file or stdout.
 */
package dev.netext.daemon.events;
