package org.infer4j.tensorrt.internal.nativeinterop;

import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.tensorrt.nvinfer.IBuilder;
import org.bytedeco.tensorrt.nvinfer.IBuilderConfig;
import org.bytedeco.tensorrt.nvinfer.ICudaEngine;
import org.bytedeco.tensorrt.nvinfer.IExecutionContext;
import org.bytedeco.tensorrt.nvinfer.IHostMemory;
import org.bytedeco.tensorrt.nvinfer.INetworkDefinition;
import org.bytedeco.tensorrt.nvinfer.IRuntime;
import org.bytedeco.tensorrt.nvinfer.ITimingCache;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes TensorRT objects that TensorRT created. TensorRT 10 objects are freed with C++
 * {@code delete}, but JavaCPP 1.5.11 attaches no deallocator to objects returned by native calls
 * ({@code createInferBuilder}, {@code deserializeCudaEngine}, ...), so {@code Pointer.close()}
 * alone would leak them, including an engine's weights in GPU memory. JavaCPP does generate a
 * {@code delete} for every class it can construct; this borrows that function from a
 * default-constructed object of the same class and attaches it to the real one, after which
 * {@code close()} runs the object's virtual destructor. The lookup relies on JavaCPP's internals
 * (pinned at 1.5.11); if it ever fails, objects are leaked with one warning rather than crashing.
 * Thread-safe.
 */
public final class NativeDelete {
    private static final Logger log = LoggerFactory.getLogger(NativeDelete.class);
    private static final Map<Class<?>, Long> DELETERS = new ConcurrentHashMap<>();
    private static final Map<Class<? extends Pointer>, Supplier<Pointer>> SAMPLES = Map.of(
            IBuilder.class, IBuilder::new,
            IBuilderConfig.class, IBuilderConfig::new,
            INetworkDefinition.class, INetworkDefinition::new,
            IHostMemory.class, IHostMemory::new,
            IRuntime.class, IRuntime::new,
            ICudaEngine.class, ICudaEngine::new,
            IExecutionContext.class, IExecutionContext::new,
            ITimingCache.class, ITimingCache::new);
    private static final String NATIVE_DEALLOCATOR = "org.bytedeco.javacpp.Pointer$NativeDeallocator";
    private static final String DEALLOCATOR = "org.bytedeco.javacpp.Pointer$Deallocator";
    private static volatile boolean warned;

    private NativeDelete() {
    }

    /**
     * Closes {@code object}, running its C++ destructor where the deleter can be borrowed (else it
     * only closes the Java side, and the native object leaks with one warning per process).
     *
     * @param object a TensorRT object that TensorRT created, or null, which is ignored
     */
    public static void delete(@Nullable Pointer object) {
        if (object == null || object.isNull()) {
            return;
        }
        long deleter = deleterFor(object.getClass());
        if (deleter != 0) {
            try {
                attach(object, deleter);
            } catch (ReflectiveOperationException | RuntimeException e) {
                warnOnce(object.getClass(), e);
            }
        }
        object.close();
    }

    private static long deleterFor(Class<?> type) {
        return DELETERS.computeIfAbsent(type, t -> {
            Supplier<Pointer> sample = SAMPLES.get(t);
            if (sample == null) {
                warnOnce(t, null);
                return 0L;
            }
            Pointer probe = sample.get();
            try {
                Field field = Pointer.class.getDeclaredField("deallocator");
                field.setAccessible(true);
                Object d = field.get(probe);
                Class<?> nativeDeallocator = Class.forName(NATIVE_DEALLOCATOR);
                if (!nativeDeallocator.isInstance(d)) {
                    warnOnce(t, null);
                    return 0L;
                }
                Method address = nativeDeallocator.getDeclaredMethod("deallocatorAddress");
                address.setAccessible(true);
                return (Long) address.invoke(d);
            } catch (ReflectiveOperationException | RuntimeException e) {
                warnOnce(t, e);
                return 0L;
            } finally {
                probe.close();
            }
        });
    }

    private static void attach(Pointer object, long deleter) throws ReflectiveOperationException {
        Constructor<?> c = Class.forName(NATIVE_DEALLOCATOR).getDeclaredConstructor(Pointer.class, long.class, long.class);
        c.setAccessible(true);
        Object d = c.newInstance(object, object.address(), deleter);
        Method set = Pointer.class.getDeclaredMethod("deallocator", Class.forName(DEALLOCATOR));
        set.setAccessible(true);
        set.invoke(object, d);
    }

    private static void warnOnce(Class<?> type, @Nullable Throwable cause) {
        if (!warned) {
            warned = true;
            log.warn("cannot delete native {} objects through this JavaCPP (its internals changed?); TensorRT objects "
                    + "will leak until the process ends. Use JavaCPP 1.5.11 as pinned by infer4j.", type.getSimpleName(), cause);
        }
    }
}
