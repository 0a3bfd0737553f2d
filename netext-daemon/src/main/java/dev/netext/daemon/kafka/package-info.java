/**
 * Kafka export of the event log: {@link dev.netext.daemon.kafka.KafkaEventExporter} produces every event as one record
 * (key: the flow id, else the provider; value: the JSON line of {@code docs/events.schema.json}), through
 * {@code kafka-clients}' producer, never slowing the log.
 */
package dev.netext.daemon.kafka;
