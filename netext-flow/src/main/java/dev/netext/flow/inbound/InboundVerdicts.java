package dev.netext.flow.inbound;

/** Where an {@link InboundFlow}'s verdicts go: the queue its packets wait in. Any thread. */
interface InboundVerdicts {
    /** Appends the verdict {@code outcome} (not {@code DECIDING}) for packet {@code packetId}. */
    void send(int packetId, InboundFlow.Outcome outcome);

    /** Sends what was appended. */
    void flush();
}
