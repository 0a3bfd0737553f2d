package dev.netext.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/**
 * {@code netext events [--follow] [--flow ID]}: the daemon's event log as JSON lines (docs/events.schema.json):
 * what the ring still holds, then with {@code --follow} live events until Ctrl-C.
 */
@Command(name = "events", mixinStandardHelpOptions = true,
        description = "Print the daemon's event log as JSON lines (schema: docs/events.schema.json); --follow keeps printing new events.")
public final class EventsCommand implements Callable<Integer> {
    @Mixin
    ControlOption control;

    @Option(names = {"-f", "--follow"}, description = "Keep printing events as they happen, until Ctrl-C.")
    boolean follow;

    @Option(names = "--flow", paramLabel = "ID", converter = OptionRange.PositiveLong.class, description = "Only events about this flow.")
    Long flow;

    @Option(names = "--after", paramLabel = "SEQ", converter = OptionRange.NonNegativeLong.class, description = "Only events after this sequence number.")
    long after;

    @Override
    public Integer call() throws Exception {
        ObjectNode req = ControlOption.request("events").put("follow", follow).put("after", after);
        if (flow != null) req.put("flow", flow);
        ControlOption.printLines(control.connect(), req, follow, line -> line);
        return 0;
    }
}
