/**
 * OTLP logs export of the event log: {@link dev.netext.daemon.otlp.OtlpLogsJson} encodes entries in the OTLP/HTTP
 * JSON encoding, {@link dev.netext.daemon.otlp.OtlpLogsExporter} batches, posts to {@code /v1/logs} with the JDK
 * HttpClient and retries with backoff, bounded in memory.
 */
package dev.netext.daemon.otlp;
