package dev.netext.wireguard.bench;

import dev.netext.linux.ffm.ChaCha20Poly1305;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.ParametersWithIV;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;

/**
 * The transport AEAD alone, per packet, three ways: the JDK's ChaCha20-Poly1305 {@link Cipher} (a fresh
 * {@code init} per packet is the only way to change its nonce; the JDK has ChaCha20 and Poly1305 intrinsics),
 * OpenSSL's through {@link ChaCha20Poly1305} as {@code OpenSslAead} calls it for a run of packets under one key (one
 * context keyed once, then only the nonce per packet; direct buffers passed as they are), and BouncyCastle's engine with its key set once and the nonce rewritten in place
 * in a reused {@link ParametersWithIV} (no allocation per packet, pure Java). Opening opens one message over and
 * over (the JDK only refuses to encrypt twice under a key and nonce). Run with {@code -prof gc} to see bytes per op.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class AeadBench {
    @Param({"64", "1440"})
    int size;

    final byte[] key = new byte[32];
    Cipher jdk;
    SecretKeySpec jdkKey;
    final byte[] nonce = new byte[12];
    /** The nonce (all zero) of the one message the open benchmarks open. */
    final byte[] openNonce = new byte[12];
    ByteBuffer plainDirect, outDirect;

    org.bouncycastle.crypto.modes.ChaCha20Poly1305 bc;
    ParametersWithIV bcParams;
    byte[] bcNonce;
    byte[] plainHeap, outHeap;
    long counter;

    static final ValueLayout.OfLong COUNTER = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final MemorySegment NO_AAD = MemorySegment.ofArray(new byte[0]);
    ChaCha20Poly1305 openssl;
    MemorySegment opensslNonce;
    ByteBuffer sealedDirect;

    @Setup
    public void setup() throws Exception {
        for (int i = 0; i < 32; i++) key[i] = (byte) i;
        jdk = Cipher.getInstance("ChaCha20-Poly1305");
        jdkKey = new SecretKeySpec(key, "ChaCha20");
        plainDirect = ByteBuffer.allocateDirect(size);
        outDirect = ByteBuffer.allocateDirect(size + 16);
        bc = new org.bouncycastle.crypto.modes.ChaCha20Poly1305();
        bc.init(true, new ParametersWithIV(new KeyParameter(key), new byte[12]));
        bcParams = new ParametersWithIV(null, new byte[12]);
        bcNonce = bcParams.getIV(); // BouncyCastle hands out its own array: rewritten per packet below
        plainHeap = new byte[size];
        outHeap = new byte[size + 16];
        openssl = ChaCha20Poly1305.create();
        opensslNonce = Arena.ofAuto().allocate(12);
        jdk.init(Cipher.ENCRYPT_MODE, jdkKey, new IvParameterSpec(openNonce));
        sealedDirect = ByteBuffer.allocateDirect(size + 16);
        jdk.doFinal(plainDirect.duplicate(), sealedDirect);
        sealedDirect.flip();
        opensslSealDirect();                               // keys the context: the benchmarks then keep its key
    }

    @Benchmark
    public int jdkOpenDirect() throws Exception {
        jdk.init(Cipher.DECRYPT_MODE, jdkKey, new IvParameterSpec(openNonce));
        outDirect.clear();
        return jdk.doFinal(sealedDirect.duplicate(), outDirect);
    }

    @Benchmark
    public int opensslSealDirect() {
        opensslNonce.set(COUNTER, 4, ++counter);
        plainDirect.clear();
        outDirect.clear();
        return openssl.seal(counter == 1 ? MemorySegment.ofArray(key) : MemorySegment.NULL, opensslNonce, NO_AAD,
                MemorySegment.ofBuffer(plainDirect),
                MemorySegment.ofBuffer(outDirect));
    }

    @Benchmark
    public int opensslOpenDirect() {
        opensslNonce.set(COUNTER, 4, 0L);                  // the nonce sealedDirect was sealed under
        outDirect.clear();
        return openssl.open(MemorySegment.NULL, opensslNonce, NO_AAD, MemorySegment.ofBuffer(sealedDirect),
                MemorySegment.ofBuffer(outDirect));
    }

    @Benchmark
    public int jdkSealDirect() throws Exception {
        long c = ++counter;
        for (int i = 0; i < 8; i++) nonce[4 + i] = (byte) (c >>> (8 * i));
        jdk.init(Cipher.ENCRYPT_MODE, jdkKey, new IvParameterSpec(nonce));
        plainDirect.clear();
        outDirect.clear();
        return jdk.doFinal(plainDirect, outDirect);
    }

    @Benchmark
    public int bcSealHeapReusedParams() throws Exception {
        long c = ++counter;
        for (int i = 0; i < 8; i++) bcNonce[4 + i] = (byte) (c >>> (8 * i));
        bc.init(true, bcParams);
        int n = bc.processBytes(plainHeap, 0, size, outHeap, 0);
        return n + bc.doFinal(outHeap, n);
    }
}
