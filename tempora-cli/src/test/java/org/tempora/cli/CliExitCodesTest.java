package org.tempora.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * One cause, one exit code, whichever command meets it (the README's exit-code paragraph): an input folder with no
 * audio file is bad input data (3) for classify, fbank and stats alike; a dataset whose training split has no clip is
 * bad input data (3) naming the folder and the split, whether no clip is listed or every clip was skipped as bad.
 */
class CliExitCodesTest {
    @TempDir
    static Path dir;

    @BeforeAll
    static void folders() throws IOException {
        Files.createDirectories(dir.resolve("empty/sub"));
        Files.writeString(dir.resolve("empty/notes.txt"), "no audio here\n");
        // folders layout: class folders without clips in train/, a valid/ clip per class
        for (String c : new String[] {"a", "b"}) {
            Files.createDirectories(dir.resolve("no-train/train").resolve(c));
            Files.write(dir.resolve("no-train/valid").resolve(c).resolve("v.wav"), wav(dir.resolve("no-train/valid").resolve(c)));
            Files.createDirectories(dir.resolve("bad-train/train").resolve(c));
            Files.writeString(dir.resolve("bad-train/train").resolve(c).resolve("t.wav"), "not audio");
            Files.write(dir.resolve("bad-train/valid").resolve(c).resolve("v.wav"), wav(dir.resolve("bad-train/valid").resolve(c)));
        }
    }

    static byte[] wav(Path folder) throws IOException {
        Files.createDirectories(folder);
        return CliBadInputTest.pcm16(16000, 16000);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "classify --model NOPE EMPTY | 3 | EMPTY: no .wav or .flac files in this folder",
            "fbank EMPTY --out OUT | 3 | EMPTY: no .wav or .flac files in this folder",
            "stats EMPTY | 3 | EMPTY: no .wav or .flac files in this folder",
            "train --preset demo --data DIR/no-train --epochs 1 --out OUT | 3 | DIR/no-train: the training split is empty",
            "train --preset demo --data DIR/bad-train --skip-bad --epochs 1 --out OUT | 3 | DIR/bad-train: the training split is empty (all 2 of its clips were skipped as bad)",
            "train --preset demo --data DIR/bad-train --epochs 1 --out OUT | 3 | DIR/bad-train/train/a/t.wav: not a WAV or FLAC file",
    })
    void oneCauseOneCode(String command, int code, String message) {
        String d = dir.toString();
        String[] args = command.strip().replace("NOPE", d + "/nope").replace("EMPTY", d + "/empty").replace("OUT", d + "/out")
                .replace("DIR", d).split(" ");
        CliBadInputTest.Run r = CliErrorLinesTest.run(args);
        String expected = message.strip().replace("EMPTY", d + "/empty").replace("DIR", d);
        assertThat(r.err()).as(command).startsWith("tempora: " + expected);
        CliErrorLinesTest.assertOneLine(r.err(), command);
        assertThat(r.code()).as(command + ": " + r.err()).isEqualTo(code);
    }
}
