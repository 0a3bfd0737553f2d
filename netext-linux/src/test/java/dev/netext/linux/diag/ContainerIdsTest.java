package dev.netext.linux.diag;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ContainerIdsTest {
    private static final String ID = "4f1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c";

    @Test
    void runtimes() {
        assertThat(ContainerIds.fromCgroup("/system.slice/docker-" + ID + ".scope")).contains(ID);
        assertThat(ContainerIds.fromCgroup("/docker/" + ID)).contains(ID);
        assertThat(ContainerIds.fromCgroup("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1b2c.slice/cri-containerd-"
                + ID + ".scope")).contains(ID);
        assertThat(ContainerIds.fromCgroup("/kubepods/burstable/pod0b1e7a2c-1111-2222-3333-444455556666/" + ID)).contains(ID);
        assertThat(ContainerIds.fromCgroup("/kubepods.slice/kubepods-pod1.slice/crio-" + ID + ".scope")).contains(ID);
        assertThat(ContainerIds.fromCgroup("/machine.slice/libpod-" + ID + ".scope/container")).contains(ID);
        assertThat(ContainerIds.fromCgroup("/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" + ID + ".scope"))
                .contains(ID);
        assertThat(ContainerIds.fromCgroup("/libpod_parent/libpod-" + ID)).contains(ID);
        assertThat(ContainerIds.fromCgroup("/machine.slice/machine-web\\x2dfront.scope/payload")).contains("web-front");
        assertThat(ContainerIds.fromCgroup("/lxc.payload.db1/system.slice/sshd.service")).contains("db1");
        assertThat(ContainerIds.fromCgroup("/lxc/db2")).contains("db2");
    }

    @Test
    void notContainers() {
        assertThat(ContainerIds.fromCgroup("/user.slice/user-1000.slice/session-3.scope")).isEmpty();
        assertThat(ContainerIds.fromCgroup("/system.slice/docker.service")).isEmpty();
        assertThat(ContainerIds.fromCgroup("/machine.slice/libpod-conmon-" + ID + ".scope")).isEmpty();
        assertThat(ContainerIds.fromCgroup("/init.scope")).isEmpty();
        assertThat(ContainerIds.fromCgroup("/")).isEmpty();
        assertThat(ContainerIds.fromCgroup("")).isEmpty();
        assertThat(ContainerIds.fromCgroup(null)).isEmpty();
        assertThat(ContainerIds.fromCgroup("/system.slice/docker-" + ID.substring(1) + ".scope")).isEmpty();
        assertThat(ContainerIds.fromCgroup("/machine-x.scope")).isEmpty();
    }

    @Test
    void systemdUnescape() {
        assertThat(ContainerIds.unescapeSystemd("a\\x2db\\x2fc")).isEqualTo("a-b/c");
        assertThat(ContainerIds.unescapeSystemd("bad\\xzz")).isEqualTo("bad\\xzz");
        assertThat(ContainerIds.unescapeSystemd("end\\x2")).isEqualTo("end\\x2");
    }
}
