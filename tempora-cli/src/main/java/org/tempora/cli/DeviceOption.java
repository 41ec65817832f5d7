package org.tempora.cli;

import org.tempora.nn.Devices;
import picocli.CommandLine.Option;

/**
 * {@code --device cpu|gpu|auto} on the commands that run a model. Applied first thing in the command, so a GPU that
 * is not there is one line (exit 2) before any data is read; every array then lives where {@link Devices} says.
 */
final class DeviceOption {
    @Option(names = "--device", defaultValue = "auto", paramLabel = "cpu|gpu|auto",
            description = "Where the model runs: auto (a CUDA GPU if this build and machine have one, else the CPU), cpu, gpu (default: ${DEFAULT-VALUE}).")
    String device;

    void apply() {
        Devices.use(device);
    }
}
