package dev.netext.tunnel.linux;

import dev.netext.api.tunnel.PacketBatch;
import dev.netext.linux.tun.TunDevice;
import dev.netext.tunnel.TunnelDevice;

import java.io.IOException;

/** A kernel TUN device as the tunnel host's {@link TunnelDevice}. */
public final class TunTunnelDevice implements TunnelDevice {
    private final TunDevice tun;

    public TunTunnelDevice(TunDevice tun) {
        this.tun = tun;
    }

    public TunDevice tun() { return tun; }

    @Override
    public String name() { return tun.name(); }

    @Override
    public int index() { return tun.ifindex(); }

    @Override
    public int read(PacketBatch batch) throws IOException { return tun.readBatch(batch); }

    @Override
    public int write(PacketBatch batch) throws IOException { return tun.writeBatch(batch); }

    @Override
    public void close() { tun.close(); }
}
