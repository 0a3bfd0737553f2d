package dev.netext.daemon.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** The exported JSON lines validate against the documented schema, docs/events.schema.json. */
class EventExportSchemaTest {
    static SchemaCheck check;

    @TempDir
    Path dir;

    @BeforeAll
    static void loadSchema() throws Exception {
        check = SchemaCheck.events();
    }

    static List<String> problems(String line) throws Exception {
        return check.problems(EventJson.MAPPER.readTree(line));
    }

    @Test
    void everyEventTypeExportedToAFileValidatesAndIsInSequenceOrder() throws Exception {
        EventLog log = new EventLog();
        Path file = dir.resolve("sub/events.jsonl");
        List<String> lines;
        try (JsonLinesExporter exporter = JsonLinesExporter.toFile(log, file)) {
            for (EventStamp s : SampleEvents.all()) log.publish(s);
        }
        lines = Files.readAllLines(file);
        assertThat(lines).hasSize(SampleEvents.all().size());
        long seq = 0;
        for (String line : lines) {
            assertThat(problems(line)).as(line).isEmpty();
            JsonNode n = EventJson.MAPPER.readTree(line);
            assertThat(n.get("seq").asLong()).isEqualTo(++seq);
        }
        Set<String> types = lines.stream().map(l -> {
            try {
                return EventJson.MAPPER.readTree(l).get("type").asText();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }).collect(Collectors.toSet());
        // every event type of the API (the sealed interface's records) appears, so the schema covers them all
        assertThat(types).containsExactlyInAnyOrderElementsOf(
                java.util.Arrays.stream(dev.netext.api.ProviderEvent.class.getPermittedSubclasses())
                        .flatMap(c -> c.isInterface() ? java.util.Arrays.stream(c.getPermittedSubclasses()) : java.util.stream.Stream.of(c))
                        .map(Class::getSimpleName).toList());
        assertThat(lines.get(2)).contains("\"flow\":42").contains("\"hostname\":\"www.corp.example\"")
                .contains("\"remote\":\"[fd00::5]:443\"");
    }

    @Test
    void gapsValidateAndAStreamExportAppendsLines() throws Exception {
        EventLog log = new EventLog();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonLinesExporter exporter = JsonLinesExporter.toStream(log, out)) {
            log.publish(SampleEvents.all().getFirst());
        }
        String[] lines = out.toString(StandardCharsets.UTF_8).split("\n");
        assertThat(lines).hasSize(1);
        assertThat(problems(lines[0])).isEmpty();
        assertThat(problems(EventJson.gap(new LogEntry.Gap(3, 9, 7)).toString())).isEmpty();
    }

    @Test
    void theCheckRejectsLinesThatBreakTheSchema() throws Exception {
        EventLog log = new EventLog();
        EventJson json = new EventJson(log::wallTime);
        ObjectNode good = json.toJson(log.publish(SampleEvents.all().getFirst()));
        assertThat(check.problems(good)).isEmpty();

        ObjectNode badStatus = good.deepCopy().put("to", "up");
        ObjectNode missingSeq = good.deepCopy();
        missingSeq.remove("seq");
        ObjectNode extra = good.deepCopy().put("colour", "blue");
        ObjectNode unknownType = good.deepCopy().put("type", "Nope");
        ObjectNode zeroFlow = good.deepCopy().put("flow", 0);
        for (ObjectNode bad : List.of(badStatus, missingSeq, extra, unknownType, zeroFlow))
            assertThat(check.problems(bad)).as(bad.toString()).isNotEmpty();
        assertThat(problems("{\"type\":\"Gap\",\"first_seq\":3,\"last_seq\":9}")).isNotEmpty();
    }
}
