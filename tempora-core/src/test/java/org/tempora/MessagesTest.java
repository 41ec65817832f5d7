package org.tempora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tempora.config.ConfigLoader;
import org.tempora.io.AtomicFiles;

/** Third-party error text becomes one line of plain words: where, what, no excerpts, no Java names. */
class MessagesTest {
    @TempDir
    Path dir;

    static JsonProcessingException yamlError(String text) {
        try {
            new ObjectMapper(new YAMLFactory()).readTree(text);
        } catch (JsonProcessingException e) {
            return e;
        }
        throw new AssertionError("parsed: " + text);
    }

    static JsonProcessingException jsonError(String text) {
        try {
            new ObjectMapper().readTree(text);
        } catch (JsonProcessingException e) {
            return e;
        }
        throw new AssertionError("parsed: " + text);
    }

    @Test
    void yamlErrorsKeepTheProblemAndItsPlaceButNoExcerpt() {
        assertThat(Messages.parseError(yamlError("train:\n  lr: [1\n  epochs: 3\n")))
                .isEqualTo("expected ',' or ']', but got : at line 3, column 9 (while parsing a flow sequence at line 2, column 7)");
        assertThat(Messages.parseError(yamlError("a: b: c\n"))).isEqualTo("mapping values are not allowed here at line 1, column 5");
    }

    @Test
    void jsonErrorsLoseJacksonsSourceDescription() {
        assertThat(Messages.parseError(jsonError("{\"data\": [ {\"wav\": 1,} ]}")))
                .isEqualTo("Unexpected character ('}' (code 125)): was expecting double-quote to start field name at line 1, column 22");
        assertThat(Messages.parseError(jsonError("{\"data\": [")))
                .isEqualTo("Unexpected end-of-input: expected close marker for Array (start marker at line 1, column 10) at line 1, column 11");
    }

    @Test
    void oneLineCollapsesEveryLineBreak() {
        assertThat(Messages.oneLine("a\n  b\r\n\nc  ")).isEqualTo("a b c");
        assertThat(Messages.oneLine(null)).isEmpty();
    }

    @Test
    void fileSystemErrorsInWords() {
        Path f = dir.resolve("x");
        assertThat(Messages.io(new AccessDeniedException(f.toString()), f)).isEqualTo("permission denied");
        assertThat(Messages.io(new NoSuchFileException(f.toString()), f)).isEqualTo("no such file or folder");
        assertThat(Messages.io(new FileSystemException(f + "/y", null, "Read-only file system"), f))
                .isEqualTo("read-only file system (" + f + "/y)");
        assertThat(Messages.io(new IOException("disk\nfull"), f)).isEqualTo("disk full");
    }

    @Test
    void anOutputUnderAFileNamesTheFile() throws IOException {
        Path file = Files.writeString(dir.resolve("plain.txt"), "x");
        Path target = file.resolve("sub").resolve("out.json");
        assertThatThrownBy(() -> AtomicFiles.writeUnchecked(target, out -> out.write(1)))
                .isInstanceOf(OutputException.class)
                .hasMessage("cannot write " + target + ": " + file + " is a file, not a folder")
                .satisfies(e -> assertThat(((TemporaException) e).exitCode()).isEqualTo(1));
    }

    @Test
    void configParseErrorsAreOneLine() throws IOException {
        Path yaml = Files.writeString(dir.resolve("c.yaml"), "train:\n  lr: [1\n  epochs: 3\n");
        assertThatThrownBy(() -> ConfigLoader.load(null, yaml, java.util.List.of()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage(yaml + ": not valid YAML/JSON: expected ',' or ']', but got : at line 3, column 9 "
                        + "(while parsing a flow sequence at line 2, column 7)");
    }
}
