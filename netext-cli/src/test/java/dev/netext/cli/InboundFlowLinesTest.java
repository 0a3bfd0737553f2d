package dev.netext.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.netext.api.flow.Direction;
import dev.netext.api.flow.Endpoint;
import dev.netext.api.flow.ProcessInfo;
import dev.netext.api.flow.TcpFlow;
import dev.netext.daemon.control.ControlClient;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code netext flows} and {@code netext up --log} say which way a flow goes, and an inbound one's local service. */
class InboundFlowLinesTest {
    private static final ProcessInfo PYTHON = ProcessInfo.builder().pid(99).executable(Path.of("/usr/bin/python3.13")).uid(0).build();

    @Test
    void flowsTableHasADirectionColumn() throws Exception {
        JsonNode in = ControlClient.mapper().readTree("""
                {"id":8,"state":"dropped","direction":"in","protocol":"tcp","local":"10.0.0.1:8000","remote":"10.0.0.9:51000",
                 "process":{"pid":99,"label":"python3.13[99]"},"verdict":"drop","bytes_in":-1,"bytes_out":-1}""");
        JsonNode out = ControlClient.mapper().readTree("""
                {"id":7,"state":"open","direction":"out","protocol":"tcp","local":"10.0.0.1:40000","remote":"10.0.0.2:443",
                 "process":{"label":"curl[1]"},"verdict":"allow","proxy":"direct","bytes_in":-1,"bytes_out":-1}""");
        assertThat(FlowsCommand.HEADER).endsWith("DIRECTION");
        assertThat(FlowsCommand.line(in)).startsWith("8 ").contains("python3.13[99]").contains("10.0.0.9:51000")
                .endsWith("in to 10.0.0.1:8000");
        assertThat(FlowsCommand.line(out)).endsWith(" out");
    }

    @Test
    void logLineOfAnInboundFlowNamesTheServiceAndTheServer() {
        TcpFlow in = new TcpFlow(8, Direction.INBOUND, Endpoint.parse("10.0.0.1:8000"), Endpoint.parse("10.0.0.9:51000"),
                PYTHON, Optional.empty(), Optional.empty(), Instant.EPOCH);
        assertThat(FlowLogLine.describe(in)).isEqualTo("in tcp 10.0.0.9:51000 to 10.0.0.1:8000 by /usr/bin/python3.13 pid 99 uid 0");
        TcpFlow out = new TcpFlow(7, Direction.OUTBOUND, Endpoint.parse("10.0.0.1:40000"), Endpoint.parse("10.0.0.2:443"),
                PYTHON, Optional.empty(), Optional.empty(), Instant.EPOCH);
        assertThat(FlowLogLine.describe(out)).isEqualTo("tcp 10.0.0.2:443 by /usr/bin/python3.13 pid 99 uid 0");
    }
}
