package org.tempora.nn;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.engine.StandardCapabilities;
import ai.djl.ndarray.NDManager;
import java.util.Locale;
import org.tempora.ConfigException;

/**
 * The one place that decides where tempora's arrays live. Every model, training run and engine check takes its
 * base {@link NDManager} from {@link #newManager()}; nothing else names a device, and sub-managers inherit it.
 * The choice is process-wide ({@code --device cpu|gpu|auto}, default {@code auto}): {@code auto} is the first CUDA
 * GPU when libtorch was built with CUDA (the {@code -Pgpu} build) and one is visible, the CPU otherwise; {@code gpu}
 * insists on one and fails with one line when there is none.
 */
public final class Devices {
    private static volatile Device selected;

    private Devices() {}

    /** CUDA GPUs this process's libtorch can use: 0 with the CPU-only native library, whatever the machine has. */
    public static int gpuCount() {
        Engine e = Engine.getEngine("PyTorch");
        return e.hasCapability(StandardCapabilities.CUDA) ? e.getGpuCount() : 0;
    }

    /** The device a choice names. @throws ConfigException for an unknown choice, or {@code gpu} without a GPU */
    public static Device resolve(String choice) {
        String c = choice == null ? "auto" : choice.strip().toLowerCase(Locale.ROOT);
        return switch (c) {
            case "cpu" -> Device.cpu();
            case "auto" -> gpuCount() > 0 ? Device.gpu(0) : Device.cpu();
            case "gpu", "cuda" -> {
                if (gpuCount() == 0) {
                    Engine e = Engine.getEngine("PyTorch");
                    throw new ConfigException("--device gpu: no CUDA GPU is usable here ("
                            + (e.hasCapability(StandardCapabilities.CUDA) ? "libtorch has CUDA but sees no GPU"
                                    : "this build's libtorch is the CPU one; build with 'mvn -Pgpu package' on a CUDA machine")
                            + "); use --device cpu or auto");
                }
                yield Device.gpu(0);
            }
            default -> throw new ConfigException("unknown --device '" + choice + "' (cpu, gpu, auto)");
        };
    }

    /** Sets the process-wide device (validated now, so a bad choice fails before any data is read). */
    public static Device use(String choice) {
        Device d = resolve(choice);
        selected = d;
        return d;
    }

    /** The process-wide device ({@code auto} unless {@link #use} said otherwise). */
    public static Device current() {
        Device d = selected;
        if (d == null) {
            d = resolve("auto");
            selected = d;
        }
        return d;
    }

    /** A base manager on the process-wide device. */
    public static NDManager newManager() {
        return Engine.getInstance().newBaseManager(current());
    }
}
