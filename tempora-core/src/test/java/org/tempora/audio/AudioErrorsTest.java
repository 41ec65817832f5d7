package org.tempora.audio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.tempora.audio.TestWavs.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tempora.ConfigException;
import org.tempora.InvalidInputException;
import org.tempora.io.AudioFiles;

/** Every kind of bad input gives an InvalidInputException naming the file and the problem in one line. */
class AudioErrorsTest {
    @TempDir
    Path dir;

    private static final byte[] TWO_SAMPLES = intData(new int[][] {{1, 2}}, 2);

    /** Both the header-only and the full read must report {@code problem} exactly. */
    private static void assertHeaderProblem(Path p, String problem) {
        assertProblem(p, problem);
        assertThatThrownBy(() -> AudioReader.info(p)).isInstanceOf(InvalidInputException.class)
                .hasMessage(p + ": " + problem);
    }

    private static void assertProblem(Path p, String problem) {
        assertThatThrownBy(() -> AudioReader.read(p))
                .isExactlyInstanceOf(InvalidInputException.class)
                .hasMessage(p + ": " + problem)
                .satisfies(e -> {
                    InvalidInputException ie = (InvalidInputException) e;
                    assertThat(ie.source()).isEqualTo(p.toString());
                    assertThat(ie.problem()).isEqualTo(problem);
                    assertThat(ie.exitCode()).isEqualTo(3);
                    assertThat(ie.getMessage()).doesNotContain("\n");
                });
    }

    private Path wav(String name, byte[]... chunks) {
        return write(dir, name, riff(chunks));
    }

    // --- the file itself ------------------------------------------------------------------------------------

    @Test
    void missingFile() {
        assertHeaderProblem(dir.resolve("nope.wav"), "file not found");
    }

    @Test
    void directoryIsNotAudio() throws IOException {
        Path d = Files.createDirectory(dir.resolve("clips.wav"));
        assertHeaderProblem(d, "not a regular file (a directory)");
    }

    /** Opening a FIFO for reading blocks until a writer appears: it must be refused before it is opened. */
    @Test
    void fifoIsRefusedWithoutOpeningIt() {
        Path f = fifo(dir, "pipe.wav");
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            assertHeaderProblem(f, "not a regular file (a FIFO)");
            assertThatThrownBy(() -> AudioReader.open(f, ChannelMode.FIRST)).isInstanceOf(InvalidInputException.class)
                    .hasMessage(f + ": not a regular file (a FIFO)");
            assertThatThrownBy(() -> SampleSource.file(f, ChannelMode.FIRST).open()).isInstanceOf(InvalidInputException.class)
                    .hasMessage(f + ": not a regular file (a FIFO)");
        });
    }

    @Test
    void deviceIsRefused() throws IOException {
        Path dev = Path.of("/dev/null");
        assertHeaderProblem(dev, "not a regular file (a character device)");
        Path link = Files.createSymbolicLink(dir.resolve("null.wav"), dev); // links are followed to what they name
        assertHeaderProblem(link, "not a regular file (a character device)");
        assertThat(AudioFiles.problem(write(dir, "fine.wav", riff(chunk("fmt ", fmt(PCM, 1, 16000, 16)), chunk("data", TWO_SAMPLES))))).isNull();
    }

    @Test
    void foldersListNonRegularAudioEntriesSoThatTheyAreReported() throws IOException {
        Path d = Files.createDirectory(dir.resolve("set"));
        write(d, "a.wav", riff(chunk("fmt ", fmt(PCM, 1, 16000, 16)), chunk("data", TWO_SAMPLES)));
        fifo(d, "b.wav");
        Files.createDirectory(d.resolve("c.wav"));
        Files.createSymbolicLink(d.resolve("d.wav"), d.resolve("missing-target"));
        assertThat(AudioFiles.under(d)).containsExactly(d.resolve("a.wav"), d.resolve("b.wav"));
    }

    @Test
    void unreadableFile() throws IOException {
        Path p = write(dir, "secret.wav", pcm16Mono((short) 1));
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("---------"));
        if (Files.isReadable(p)) {
            // root reads any mode-000 file (CI runs as root); a write-only sysctl file is refused to root too, so the
            // reader meets a real EACCES either way
            Files.delete(p);
            Path writeOnly = Path.of("/proc/sys/vm/drop_caches");
            assertThat(writeOnly).as("a file even root cannot read").exists();
            Files.createSymbolicLink(p, writeOnly);
            assertThat(Files.isReadable(p)).as("%s is not readable", writeOnly).isFalse();
        }
        assertHeaderProblem(p, "cannot read file: permission denied");
    }

    @Test
    void emptyFile() {
        assertHeaderProblem(write(dir, "empty.wav", new byte[0]), "empty file (0 bytes)");
    }

    // --- wrong magic ----------------------------------------------------------------------------------------

    @Test
    void textFileIsNotAudio() {
        assertHeaderProblem(write(dir, "notes.wav", ascii("hello, world\n")),
                "not a WAV or FLAC file (starts with bytes 68 65 6C 6C)");
    }

    @Test
    void riffThatIsNotWave() {
        byte[] avi = concat(ascii("RIFF"), le(4).putInt(4).array(), ascii("AVI "));
        assertHeaderProblem(write(dir, "movie.wav", avi), "not a WAV file: RIFF form type is 'AVI ', not 'WAVE'");
    }

    @Test
    void bigEndianRifxAndRf64AndOggAreNamed() {
        byte[] rifx = pcm16Mono((short) 1);
        rifx[3] = 'X';
        assertHeaderProblem(write(dir, "rifx.wav", rifx), "big-endian RIFX WAV is not supported");
        byte[] rf64 = pcm16Mono((short) 1);
        System.arraycopy(ascii("RF64"), 0, rf64, 0, 4);
        assertHeaderProblem(write(dir, "rf64.wav", rf64), "RF64/BW64 (64-bit WAV) is not supported");
        assertHeaderProblem(write(dir, "a.ogg", concat(ascii("OggS"), new byte[40])),
                "not a WAV or FLAC file: Ogg container is not supported");
    }

    @Test
    void id3TagWithoutFlacIsRejected() {
        byte[] mp3 = concat(ascii("ID3"), new byte[] {3, 0, 0, 0, 0, 0, 2}, new byte[] {0, 0}, new byte[100]);
        assertHeaderProblem(write(dir, "song.flac", mp3),
                "not a WAV or FLAC file: an ID3v2 tag not followed by a FLAC stream (MP3 is not supported)");
    }

    // --- truncated header ------------------------------------------------------------------------------------

    @Test
    void fileEndsInsideRiffHeader() {
        assertHeaderProblem(write(dir, "t8.wav", concat(ascii("RIFF"), new byte[] {36, 0, 0, 0})),
                "truncated header: file is only 8 bytes long");
        assertHeaderProblem(write(dir, "t3.wav", ascii("RIF")), "truncated header: file is only 3 bytes long");
    }

    @Test
    void fileEndsInsideChunkHeader() {
        byte[] f = concat(ascii("RIFF"), le(4).putInt(100).array(), ascii("WAVEfm"));
        assertHeaderProblem(write(dir, "t14.wav", f), "truncated header: file ends inside a chunk header at byte 12");
    }

    @Test
    void fileEndsInsideFmtChunk() {
        byte[] fmt = fmt(PCM, 1, 16000, 16);
        byte[] f = concat(ascii("RIFF"), le(4).putInt(100).array(), ascii("WAVE"), ascii("fmt "),
                le(4).putInt(16).array(), java.util.Arrays.copyOf(fmt, 10));
        assertHeaderProblem(write(dir, "tfmt.wav", f), "truncated header: file ends inside the fmt chunk");
    }

    @Test
    void flacEndsInsideStreamInfo() {
        byte[] f = concat(ascii("fLaC"), new byte[] {(byte) 0x80, 0, 0, 34}, new byte[10]);
        assertHeaderProblem(write(dir, "t.flac", f), "truncated header: file ends inside the FLAC STREAMINFO block");
    }

    // --- lying header ----------------------------------------------------------------------------------------

    @Test
    void dataChunkClaimsMoreThanTheFileHas() {
        Path p = wav("short.wav", chunk("fmt ", fmt(PCM, 1, 16000, 16)), chunk("data", 1000, TWO_SAMPLES));
        assertHeaderProblem(p, "data chunk claims 1000 bytes but only 4 bytes follow it in the file (truncated or corrupt)");
    }

    @Test
    void unknownChunkClaimsMoreThanTheFileHas() {
        Path p = wav("list.wav", chunk("LIST", 5000, new byte[4]), chunk("fmt ", fmt(PCM, 1, 16000, 16)),
                chunk("data", TWO_SAMPLES));
        assertHeaderProblem(p, "chunk 'LIST' at byte 12 claims 5000 bytes but only 40 bytes follow it in the file");
    }

    @Test
    void blockAlignInconsistentWithChannelsAndBits() {
        Path p = wav("align.wav", chunk("fmt ", fmt(PCM, 2, 16000, 3, 16, false)), chunk("data", TWO_SAMPLES));
        assertHeaderProblem(p, "block align 3 does not match 2 channel(s) x 2 bytes per sample (expected 4)");
    }

    @Test
    void fmtChunkTooShort() {
        byte[] shortFmt = java.util.Arrays.copyOf(fmt(PCM, 1, 16000, 16), 14);
        Path p = wav("fmt14.wav", chunk("fmt ", shortFmt), chunk("data", TWO_SAMPLES));
        assertHeaderProblem(p, "fmt chunk too short (14 bytes, need at least 16)");
    }

    @Test
    void extensibleFmtTooShort() {
        byte[] ext = java.util.Arrays.copyOf(fmtExtensible(PCM, 1, 16000, 16, 16), 18);
        Path p = wav("ext18.wav", chunk("fmt ", ext), chunk("data", TWO_SAMPLES));
        assertHeaderProblem(p, "fmt chunk too short for WAVE_FORMAT_EXTENSIBLE (18 bytes, need 40)");
    }

    // --- missing chunks --------------------------------------------------------------------------------------

    @Test
    void noFmtChunk() {
        assertHeaderProblem(wav("nofmt.wav", chunk("LIST", new byte[6]), chunk("data", TWO_SAMPLES)),
                "no fmt chunk (not a valid WAV file)");
    }

    @Test
    void noDataChunk() {
        assertHeaderProblem(wav("nodata.wav", chunk("fmt ", fmt(PCM, 1, 16000, 16)), chunk("LIST", new byte[6])),
                "no data chunk (not a valid WAV file)");
    }

    // --- unsupported encodings -------------------------------------------------------------------------------

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
        "7; mu-law", "6; A-law", "2; MS-ADPCM", "17; IMA-ADPCM", "80; MPEG", "85; MPEG Layer 3 (MP3)", "49; GSM 6.10"})
    void compressedWavEncodingsAreNamed(int tag, String name) {
        Path p = wav("enc" + tag + ".wav", chunk("fmt ", fmt(tag, 1, 8000, 1, 8, true)), chunk("data", TWO_SAMPLES));
        assertHeaderProblem(p, "unsupported WAV encoding " + name + " (format tag " + tag + ")");
    }

    @Test
    void unknownFormatTag() {
        Path p = wav("x.wav", chunk("fmt ", fmt(0x1234, 1, 8000, 2, 16, true)), chunk("data", TWO_SAMPLES));
        assertHeaderProblem(p, "unsupported WAV encoding: unknown format tag 4660 (0x1234)");
    }

    @Test
    void extensibleWithCompressedSubFormat() {
        Path p = wav("extmu.wav", chunk("fmt ", fmtExtensible(7, 1, 8000, 8, 8)), chunk("data", TWO_SAMPLES));
        assertHeaderProblem(p, "unsupported WAV encoding mu-law (EXTENSIBLE sub-format 7)");
    }

    @Test
    void extensibleWithUnknownGuid() {
        byte[] guid = new byte[16];
        for (int i = 0; i < 16; i++) guid[i] = (byte) (0x10 + i);
        Path p = wav("guid.wav", chunk("fmt ", fmtExtensible(guid, 1, 8000, 16, 16)), chunk("data", TWO_SAMPLES));
        assertHeaderProblem(p, "unsupported WAVE_FORMAT_EXTENSIBLE sub-format GUID {13121110-1514-1716-1819-1A1B1C1D1E1F}");
    }

    // --- unsupported bit depths ------------------------------------------------------------------------------

    @Test
    void pcm12BitIsNotAContainerSize() {
        Path p = wav("pcm12.wav", chunk("fmt ", fmt(PCM, 1, 16000, 2, 12, false)), chunk("data", TWO_SAMPLES));
        assertHeaderProblem(p, "unsupported PCM bit depth 12 (supported: 8, 16, 24, 32-bit containers)");
        Path ext = wav("ext12.wav", chunk("fmt ", fmtExtensible(PCM, 1, 16000, 12, 12)), chunk("data", TWO_SAMPLES));
        assertHeaderProblem(ext, "unsupported PCM bit depth 12 (supported: 8, 16, 24, 32-bit containers)");
    }

    @Test
    void pcm64BitInteger() {
        Path p = wav("pcm64.wav", chunk("fmt ", fmt(PCM, 1, 16000, 8, 64, false)), chunk("data", new byte[16]));
        assertHeaderProblem(p, "unsupported PCM bit depth 64 (supported: 8, 16, 24, 32-bit containers)");
    }

    @Test
    void float16() {
        Path p = wav("f16.wav", chunk("fmt ", fmt(FLOAT, 1, 16000, 2, 16, true)), chunk("data", TWO_SAMPLES));
        assertHeaderProblem(p, "unsupported IEEE float bit depth 16 (supported: 32, 64)");
    }

    @Test
    void validBitsLargerThanContainer() {
        Path p = wav("valid.wav", chunk("fmt ", fmtExtensible(PCM, 1, 16000, 16, 24)), chunk("data", TWO_SAMPLES));
        assertHeaderProblem(p, "valid bits per sample (24) exceed the 16-bit container");
    }

    // --- content ---------------------------------------------------------------------------------------------

    @Test
    void zeroLengthData() {
        assertHeaderProblem(wav("zero.wav", chunk("fmt ", fmt(PCM, 1, 16000, 16)), chunk("data", new byte[0])),
                "no audio samples (the data chunk is empty)");
        // less than one frame is no frame either
        assertHeaderProblem(wav("one.wav", chunk("fmt ", fmt(PCM, 2, 16000, 16)), chunk("data", new byte[2])),
                "no audio samples (the data chunk is empty)");
    }

    @Test
    void nanAndInfinityInFloatWav() {
        float[][] x = {{0.1f, 0.2f, 0.3f, Float.NaN, 0.5f}};
        Path p = wav("nan.wav", chunk("fmt ", fmt(FLOAT, 1, 16000, 32)), chunk("data", floatData(x)));
        assertProblem(p, "sample 3 is NaN");
        assertThat(AudioReader.info(p).frames()).isEqualTo(5); // the header itself is fine

        x[0][3] = 0;
        x[0][2] = Float.NEGATIVE_INFINITY;
        Path inf = wav("inf.wav", chunk("fmt ", fmt(FLOAT, 1, 16000, 32)), chunk("data", floatData(x)));
        assertProblem(inf, "sample 2 is -Inf");
    }

    @Test
    void nanInAnUnusedChannelStillFails() {
        float[][] x = {{0.1f, 0.2f}, {0.3f, Float.NaN}};
        Path p = wav("nan2.wav", chunk("fmt ", fmt(FLOAT, 2, 16000, 32)), chunk("data", floatData(x)));
        assertProblem(p, "sample 1 is NaN (channel 1)");
    }

    @Test
    void float64NanAndOverflow() {
        Path nan = wav("nan64.wav", chunk("fmt ", fmt(FLOAT, 1, 16000, 64)),
                chunk("data", doubleData(new double[][] {{0.5, Double.NaN}})));
        assertProblem(nan, "sample 1 is NaN");
        Path big = wav("big64.wav", chunk("fmt ", fmt(FLOAT, 1, 16000, 64)),
                chunk("data", doubleData(new double[][] {{1e300, 0}})));
        assertProblem(big, "sample 0 (1.0E300) overflows float32");
    }

    @Test
    void nanFoundWhileStreamingNamesTheAbsoluteSampleIndex() {
        float[][] x = new float[1][100_000];
        x[0][70_123] = Float.NaN; // in the second 64 KiB block
        Path p = wav("late.wav", chunk("fmt ", fmt(FLOAT, 1, 16000, 32)), chunk("data", floatData(x)));
        assertProblem(p, "sample 70123 is NaN");
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
        "0; sample rate is 0 Hz",
        "4294967295; implausible sample rate 4294967295 Hz (supported: 1000 to 768000 Hz)",
        "999; implausible sample rate 999 Hz (supported: 1000 to 768000 Hz)",
        "768001; implausible sample rate 768001 Hz (supported: 1000 to 768000 Hz)"})
    void absurdSampleRates(long rate, String problem) {
        Path p = wav("rate.wav", chunk("fmt ", fmt(PCM, 1, rate, 2, 16, false)), chunk("data", TWO_SAMPLES));
        assertHeaderProblem(p, problem);
    }

    @Test
    void sampleRateBoundsAreInclusive() {
        assertThat(AudioReader.MIN_SAMPLE_RATE).isEqualTo(1000);
        assertThat(AudioReader.MAX_SAMPLE_RATE).isEqualTo(768_000);
        for (int rate : new int[] {1000, 768_000}) {
            Path p = wav("ok" + rate + ".wav", chunk("fmt ", fmt(PCM, 1, rate, 2, 16, false)), chunk("data", TWO_SAMPLES));
            assertThat(AudioReader.read(p).sampleRate()).isEqualTo(rate);
        }
    }

    @Test
    void flacSampleRateZero() throws IOException {
        Path p = FlacReadTest.encode(dir.resolve("r.flac"), FlacReadTest.signal(1, 5000, 16, 1), 16000, 16);
        byte[] b = Files.readAllBytes(p);
        b[18] = 0; // STREAMINFO sample rate: 20 bits from byte 18
        b[19] = 0;
        b[20] &= 0x0F;
        assertHeaderProblem(write(dir, "r0.flac", b), "sample rate is 0 Hz");
    }

    @Test
    void flacWithoutFrames() {
        byte[] si = new byte[34];
        si[0] = 0x10; // min block 4096
        si[2] = 0x10;
        // 16000 Hz, mono, 16 bits: rate(20) ch-1(3) bps-1(5) => 0x03E80 << 4 | 0 << 1 | (15 >> 4), then (15 & 15) << 4
        si[10] = 0x03;
        si[11] = (byte) 0xE8;
        si[12] = 0x00;
        si[13] = (byte) 0xF0;
        Path p = write(dir, "empty.flac", concat(ascii("fLaC"), new byte[] {(byte) 0x80, 0, 0, 34}, si));
        assertHeaderProblem(p, "no audio samples (no FLAC frames after the metadata)");
    }

    @Test
    void channelCountZero() {
        Path p = wav("ch0.wav", chunk("fmt ", fmt(PCM, 0, 16000, 0, 16, false)), chunk("data", TWO_SAMPLES));
        assertHeaderProblem(p, "channel count is 0");
    }

    @Test
    void channelIndexBeyondTheFile() {
        Path p = write(dir, "mono.wav", pcm16Mono((short) 1, (short) 2));
        assertThatThrownBy(() -> AudioReader.read(p, ChannelMode.channel(1)))
                .isExactlyInstanceOf(ConfigException.class)
                .hasMessage(p + ": channel 1 requested but the file has 1 channel");
        assertThatThrownBy(() -> ChannelMode.channel(-1))
                .isExactlyInstanceOf(ConfigException.class)
                .hasMessage("channel index must be >= 0, got -1");
    }
}
