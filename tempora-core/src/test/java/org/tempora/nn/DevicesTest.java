package org.tempora.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;
import org.tempora.ConfigException;

/**
 * Device selection: with the CPU libtorch (this build) auto is the CPU and gpu is refused with one line; with a CUDA
 * build on a GPU machine both are the GPU. Either way the test asserts what it finds, it never skips.
 */
class DevicesTest {
    @Test
    void autoIsTheGpuOnlyWhenLibtorchCanUseOne() {
        Device auto = Devices.resolve("auto");
        if (Devices.gpuCount() == 0) {
            assertThat(auto).isEqualTo(Device.cpu());
            assertThatThrownBy(() -> Devices.resolve("gpu")).isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith("--device gpu: no CUDA GPU is usable here (")
                    .hasMessageEndingWith("); use --device cpu or auto")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        } else {
            assertThat(auto).isEqualTo(Device.gpu(0));
            assertThat(Devices.resolve("gpu")).isEqualTo(Device.gpu(0));
        }
        assertThat(Devices.resolve("CPU")).isEqualTo(Device.cpu());
        assertThatThrownBy(() -> Devices.resolve("tpu")).isInstanceOf(ConfigException.class).hasMessage("unknown --device 'tpu' (cpu, gpu, auto)");
    }

    @Test
    void managersLiveOnTheChosenDevice() {
        Device before = Devices.current();
        try {
            Devices.use("cpu");
            try (NDManager m = Devices.newManager(); NDManager sub = m.newSubManager()) {
                NDArray a = sub.create(new float[] {1, 2, 3});
                assertThat(m.getDevice()).isEqualTo(Device.cpu());
                assertThat(a.getDevice()).isEqualTo(Device.cpu());
                assertThat(a.mul(2).toFloatArray()).containsExactly(2f, 4f, 6f);
            }
        } finally {
            Devices.use(before.isGpu() ? "gpu" : "cpu");
        }
    }
}
