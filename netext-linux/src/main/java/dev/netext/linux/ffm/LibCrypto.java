package dev.netext.linux.ffm;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * OpenSSL's libcrypto.so.3 (Debian: libssl3), bound once with the FFM API, for {@link ChaCha20Poly1305}: the EVP
 * cipher calls and the one ChaCha20-Poly1305 implementation fetched at load. Loading is attempted once, on first use;
 * a machine without the library gets {@link #failure()} instead of an error at class initialisation.
 *
 * <p>The per-packet calls are {@linkplain Linker.Option#critical(boolean) critical} with heap access: they run for
 * microseconds, never call back into Java and never block, so the JVM passes heap arrays and direct buffers alike
 * without copying them and without the thread-state transition of an ordinary downcall.
 */
final class LibCrypto {
    private LibCrypto() {}

    static final String SONAME = "libcrypto.so.3";
    static final int EVP_CTRL_AEAD_GET_TAG = 0x10, EVP_CTRL_AEAD_SET_TAG = 0x11;
    private static final int OPENSSL_VERSION = 0;

    static final MethodHandle CIPHER_CTX_NEW, CIPHER_CTX_FREE, CIPHER_INIT, CIPHER_UPDATE, CIPHER_FINAL, CIPHER_CTX_CTRL,
            ERR_CLEAR_ERROR;
    /** The EVP_CIPHER of ChaCha20-Poly1305, fetched once for the process's life (OpenSSL 3 fetches cost a lookup). */
    static final MemorySegment CHACHA20_POLY1305;
    /** OpenSSL's version line, e.g. "OpenSSL 3.0.17 1 Jul 2025". */
    static final String VERSION;
    private static final Throwable FAILURE;

    static {
        MethodHandle ctxNew = null, ctxFree = null, init = null, update = null, fin = null, ctrl = null, clear = null;
        MemorySegment cipher = MemorySegment.NULL;
        String version = null;
        Throwable failure = null;
        try {
            Linker linker = Linker.nativeLinker();
            SymbolLookup lib = SymbolLookup.libraryLookup(SONAME, Arena.global());
            Linker.Option critical = Linker.Option.critical(true);
            ctxNew = linker.downcallHandle(symbol(lib, "EVP_CIPHER_CTX_new"), FunctionDescriptor.of(ADDRESS));
            ctxFree = linker.downcallHandle(symbol(lib, "EVP_CIPHER_CTX_free"), FunctionDescriptor.ofVoid(ADDRESS));
            init = linker.downcallHandle(symbol(lib, "EVP_CipherInit_ex"),
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_INT), critical);
            update = linker.downcallHandle(symbol(lib, "EVP_CipherUpdate"),
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_INT), critical);
            fin = linker.downcallHandle(symbol(lib, "EVP_CipherFinal_ex"),
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS), critical);
            ctrl = linker.downcallHandle(symbol(lib, "EVP_CIPHER_CTX_ctrl"),
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS), critical);
            clear = linker.downcallHandle(symbol(lib, "ERR_clear_error"), FunctionDescriptor.ofVoid(), critical);
            MethodHandle fetch = linker.downcallHandle(symbol(lib, "EVP_CIPHER_fetch"),
                    FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, ADDRESS));
            MethodHandle versionOf = linker.downcallHandle(symbol(lib, "OpenSSL_version"),
                    FunctionDescriptor.of(ADDRESS, JAVA_INT));
            try (Arena a = Arena.ofConfined()) {
                cipher = (MemorySegment) fetch.invokeExact(MemorySegment.NULL, a.allocateFrom("ChaCha20-Poly1305"),
                        MemorySegment.NULL);
            }
            if (cipher.equals(MemorySegment.NULL)) throw new UnsupportedOperationException(SONAME + " has no ChaCha20-Poly1305");
            version = ((MemorySegment) versionOf.invokeExact(OPENSSL_VERSION)).reinterpret(256).getString(0);
        } catch (Throwable t) {
            failure = t;
        }
        CIPHER_CTX_NEW = ctxNew;
        CIPHER_CTX_FREE = ctxFree;
        CIPHER_INIT = init;
        CIPHER_UPDATE = update;
        CIPHER_FINAL = fin;
        CIPHER_CTX_CTRL = ctrl;
        ERR_CLEAR_ERROR = clear;
        CHACHA20_POLY1305 = cipher;
        VERSION = version;
        FAILURE = failure;
    }

    private static MemorySegment symbol(SymbolLookup lib, String name) {
        return lib.find(name).orElseThrow(() -> new UnsatisfiedLinkError(SONAME + " has no " + name));
    }

    /** Why libcrypto could not be bound, or null when it was. */
    static Throwable failure() { return FAILURE; }
}
