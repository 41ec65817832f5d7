package org.tempora.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A value no command can use (a negative or zero count, NaN or Infinity, an unknown layout) is refused before any
 * work: exit 2 and one line naming the option or config key. The data, model and input paths below do not exist, so
 * a value checked only after reading them would surface as exit 3 instead.
 */
class CliOptionValuesTest {
    @TempDir
    static Path dir;

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "train --preset demo --data NOPE --threads -3 --out OUT | --threads",
            "train --preset demo --data NOPE --threads 0 --out OUT | --threads",
            "train --preset demo --data NOPE --epochs 0 --out OUT | --epochs",
            "train --preset demo --data NOPE --epochs -1 --out OUT | --epochs",
            "train --preset demo --data NOPE --set train.lr=-1 --out OUT | 'train.lr'",
            "train --preset demo --data NOPE --set train.lr=NaN --out OUT | 'train.lr'",
            "train --preset demo --data NOPE --set train.lr=Infinity --out OUT | 'train.lr'",
            "train --preset demo --data NOPE --set train.weight_decay=Infinity --out OUT | 'train.weight_decay'",
            "train --preset demo --data NOPE --set train.batch_size=0 --out OUT | 'train.batch_size'",
            "train --preset demo --data synthetic --layout bogus --out OUT | 'data.layout'",
            "train --preset demo --data NOPE --layout bogus --out OUT | 'data.layout'",
            "train --preset demo --data NOPE --folds 0,1 --out OUT | --folds",
            "train --preset demo --data NOPE --folds 1,6 --out OUT | --folds",
            "eval --model NOPE --threads -1 | --threads",
            "eval --model NOPE --split bogus | --split",
            "classify --model NOPE --top-k 0 NOPE.wav | --top-k",
            "classify --model NOPE --top-k -2 NOPE.wav | --top-k",
            "classify --model NOPE --hop -1 NOPE.wav | --hop",
            "classify --model NOPE --hop NaN NOPE.wav | --hop",
            "classify --model NOPE --hop Infinity NOPE.wav | --hop",
            "classify --model NOPE --threads 0 NOPE.wav | --threads",
            "explain --model NOPE --threads -2 NOPE.wav | --threads",
            "fbank NOPE.wav --out OUT.npy --mel-bins 0 | --mel-bins",
            "fbank NOPE.wav --out OUT.npy --mel-bins -5 | --mel-bins",
            "fbank NOPE.wav --out OUT.npy --target-frames -1 | --target-frames",
            "fbank NOPE.wav --out OUT.npy --frame-shift-ms 0 | --frame-shift-ms",
            "fbank NOPE.wav --out OUT.npy --frame-shift-ms Infinity | --frame-shift-ms",
            "fbank NOPE.wav --out OUT.npy --frame-length-ms -25 | --frame-length-ms",
            "fbank NOPE.wav --out OUT.npy --sample-rate 0 | --sample-rate",
            "fbank NOPE.wav --out OUT.npy --sample-rate -16000 | --sample-rate",
            "fbank NOPE.wav --out OUT.npy --dither -1 | --dither",
            "fbank NOPE.wav --out OUT.npy --dither NaN | --dither",
            "fbank NOPE.wav --out OUT.npy --low-freq Infinity | --low-freq",
            "fbank NOPE.wav --out OUT.npy --high-freq NaN | --high-freq",
            "fbank NOPE.wav --out OUT.npy --preemphasis NaN | --preemphasis",
            "fbank NOPE.wav --out OUT.npy --norm-mean 0 --norm-std 0 | --norm-std",
            "fbank NOPE.wav --out OUT.npy --norm-mean NaN --norm-std 1 | --norm-mean",
            "stats NOPE --target-frames -1 | --target-frames",
            "stats NOPE --threads 0 | --threads",
            "stats NOPE --mel-bins 0 | --mel-bins",
            "demo --threads -1 --out OUT | --threads",
            "doctor --threads -1 | --threads",
            "bench fbank --clips 0 | --clips",
            "bench fbank --repeat 0 | --repeat",
            "bench fbank --limit -1 | --limit",
            "bench fbank --threads 0 | --threads",
            "bench step --batch 0 | --batch",
            "bench step --steps -1 | --steps",
            "bench step --patch 16 0 | --patch",
    })
    void refusedBeforeAnyWork(String command, String names) {
        String nope = dir.resolve("nope").toString();
        String[] args = command.strip().replace("NOPE", nope).replace("OUT", dir.resolve("out").toString()).split(" ");
        CliBadInputTest.Run r = CliErrorLinesTest.run(args);
        assertThat(r.code()).as(command + ": " + r.err()).isEqualTo(2);
        CliErrorLinesTest.assertOneLine(r.err(), command);
        assertThat(r.err()).as(command).contains(names.strip());
        assertThat(r.out()).as(command).isEmpty();
    }
}
