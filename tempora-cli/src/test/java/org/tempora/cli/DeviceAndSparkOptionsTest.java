package org.tempora.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tempora.nn.Devices;

/**
 * {@code --device} on the commands that run a model, and {@code tempora spark} without tempora-spark on the class
 * path (tempora-cli does not depend on it: the launcher adds it).
 */
class DeviceAndSparkOptionsTest {
    @TempDir
    Path dir;

    @Test
    void deviceGpuWithoutAGpuIsOneLineAndExit2BeforeAnythingIsRead() {
        CliBadInputTest.Run r = CliBadInputTest.run("classify", "--device", "gpu", "--model", dir.resolve("no-run").toString(), "x.wav");
        if (Devices.gpuCount() == 0) {
            assertThat(r.code()).isEqualTo(2);
            assertThat(r.err().strip()).startsWith("tempora: --device gpu: no CUDA GPU is usable here (").doesNotContain("\n");
        } else {
            assertThat(r.code()).as("with a GPU the model folder is the problem").isEqualTo(3);
        }
        CliBadInputTest.Run bad = CliBadInputTest.run("eval", "--device", "tpu", "--model", dir.toString());
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err().strip()).isEqualTo("tempora: unknown --device 'tpu' (cpu, gpu, auto)");
    }

    @Test
    void sparkWithoutTheModuleSaysHowToGetIt() {
        CliBadInputTest.Run r = CliBadInputTest.run("spark", "tag", "--master", "local[2]", "x");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().strip()).startsWith("tempora: the spark command needs the tempora-spark module").contains("./tempora spark")
                .doesNotContain("\n");
    }
}
