package org.tempora.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tempora.testing.Fixtures;
import org.tempora.serve.ModelServer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

/**
 * {@code tempora import} and {@code tempora export} end to end: a Hugging Face folder and a YuanGongND checkpoint become
 * bundles that {@code classify} uses; export and re-import give the same scores; every bad input is one line and its
 * documented exit code.
 */
class InteropCommandsTest {
    @TempDir
    static Path dir;

    static Path ast(String name) {
        return Fixtures.interop("ast").resolve(name);
    }

    @BeforeAll
    static void clip() throws IOException {
        Files.write(dir.resolve("clip.wav"), CliBadInputTest.pcm16(16000, 16000));
        Files.writeString(dir.resolve("four.csv"), "a\nb\nc\nd\n");
    }

    static CliBadInputTest.Run ok(String... args) {
        CliBadInputTest.Run r = CliBadInputTest.run(args);
        assertThat(r.code()).as(String.join(" ", args) + ": " + r.err()).isZero();
        return r;
    }

    @Test
    void importClassifyExportReimport() {
        Path hf = dir.resolve("hf-run");
        CliBadInputTest.Run imp = ok("import", ast("hf").toString(), "--out", hf.toString());
        assertThat(imp.out()).contains("(hf layout, safetensors): AST width 64, depth 2, 4 heads, 16x16 patches with stride 10x10, "
                + "128 frames x 128 mel bins, 5 classes").contains("model bundle: " + hf).doesNotContain("note:");
        CliBadInputTest.Run first = ok("classify", "--model", hf.toString(), dir.resolve("clip.wav").toString(), "--top-k", "5");
        assertThat(first.out()).contains("clip.wav (1.00 s):").contains("Speech").contains("Music");

        Path st = dir.resolve("hf.safetensors");
        assertThat(ok("export", hf.toString(), "--format", "safetensors", "--out", st.toString()).out())
                .isEqualTo("wrote " + st + ": 35 tensors (float32, tempora's state_dict keys)\n");
        Path again = dir.resolve("again");
        CliBadInputTest.Run imp2 = ok("import", st.toString(), "--set", "backbone.heads=4", "--set", "features.norm_mean=-4.2677393",
                "--set", "features.norm_std=4.5689974", "--labels", ast("labels.csv").toString(), "--out", again.toString());
        assertThat(imp2.out()).contains("(yuangong layout, safetensors)").contains("note: target_frames 128");
        assertThat(ok("classify", "--model", again.toString(), dir.resolve("clip.wav").toString(), "--top-k", "5").out())
                .isEqualTo(first.out());

        Path yg = dir.resolve("yg-run");
        CliBadInputTest.Run imp3 = ok("import", ast("yuangong.pth").toString(), "--layout", "yuangong", "--set", "backbone.heads=4",
                "--multi-label", "--out", yg.toString());
        assertThat(imp3.out()).contains("(yuangong layout, torch)").contains("note: normalisation: AudioSet's mean")
                .contains("note: labels: class_0 to class_4");
        assertThat(ok("classify", "--model", yg.toString(), dir.resolve("clip.wav").toString()).out()).contains("class_");
    }

    @Test
    void audioMambaImportClassifies() {
        Path run = dir.resolve("aum-run");
        CliBadInputTest.Run imp = ok("import", Fixtures.interop("aum").resolve("aum.pth").toString(), "--arch", "aum", "--out", run.toString());
        assertThat(imp.out()).contains("(aum layout, torch): Audio Mamba width 32, depth 2, bimamba v2, 16x16 patches with stride 16x16, "
                + "128 frames x 128 mel bins, 4 classes").contains("note: strides 16x16");
        assertThat(ok("classify", "--model", run.toString(), dir.resolve("clip.wav").toString()).out()).contains("class_");
    }

    @Test
    void trainStartsFromACheckpoint() throws IOException {
        Path run = dir.resolve("ft");
        CliBadInputTest.Run r = ok("train", "--preset", "demo", "--set", "backbone.dim=64", "--set", "backbone.depth=2", "--set", "backbone.heads=4",
                "--set", "data.synthetic.clips_per_class=5", "--epochs", "1", "--init", ast("yuangong.pth").toString(),
                "--cache", dir.resolve("cache").toString(), "--out", run.toString());
        assertThat(r.out()).contains("initialised from 31 of 35 tensors from " + ast("yuangong.pth"))
                .contains("the head mlp_head is new (5 classes in the checkpoint, 10 here)")
                .contains("v.pos_embed adapted from 12 to 9 patch columns").contains("test metrics:");
        assertThat(Files.readString(run.resolve("run.json"))).contains("\"init\"").contains("yuangong.pth");
        assertThat(Files.readString(run.resolve("config.yaml"))).contains("  init: " + ast("yuangong.pth"));
    }

    @Test
    void trainStartsFromAnImageNetDeit() throws IOException {
        // interop/deit: timm's distilled DeiT at the 384 geometry (RGB 16x16 patches, 24x24 positions), width 16, depth 2
        Path deit = Fixtures.interop("deit").resolve("deit.pth");
        Path run = dir.resolve("deit-ft");
        CliBadInputTest.Run r = ok("train", "--preset", "demo", "--set", "backbone.dim=16", "--set", "backbone.depth=2", "--set", "backbone.heads=2",
                "--set", "data.synthetic.clips_per_class=5", "--epochs", "1", "--init", deit.toString(),
                "--cache", dir.resolve("cache").toString(), "--out", run.toString());
        assertThat(r.out()).contains("initialised from 31 of 35 tensors from " + deit)
                .contains("the head mlp_head is new (the checkpoint has none)")
                .contains("v.pos_embed adapted from the 24x24 ImageNet grid to 12x9 as AST does (time columns cut, frequency rows cut)")
                .contains("v.patch_embed.proj.weight summed over its 3 (RGB) input channels").contains("test metrics:");
        assertThat(Files.readString(run.resolve("run.json"))).contains("\"init\"").contains("deit.pth").contains("ImageNet grid");
        assertThat(Files.readString(run.resolve("config.yaml"))).contains("  init: " + deit);
    }

    @Test
    void importedModelClassifiesServesAndRoundTripsThroughPth() throws Exception {
        Path run = dir.resolve("serve-run");
        ok("import", ast("yuangong.pth").toString(), "--set", "backbone.heads=4", "--labels", ast("labels.csv").toString(), "--out", run.toString());
        String first = ok("classify", "--model", run.toString(), dir.resolve("clip.wav").toString(), "--top-k", "5").out();
        assertThat(first).contains("clip.wav (1.00 s):").contains("Speech").contains("Music");

        // the imported bundle is served like a trained one
        try (ModelServer server = ModelServer.start(Map.of("imported", run), "127.0.0.1", 0, ModelServer.Limits.defaults(), 1)) {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + server.port() + "/v1/classify?model=imported&top_k=5"))
                    .header("Content-Type", "audio/wav").POST(HttpRequest.BodyPublishers.ofFile(dir.resolve("clip.wav"))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            JsonNode j = new ObjectMapper().readTree(r.body());
            assertThat(j.get("model").asText()).isEqualTo("imported");
            assertThat(j.get("top")).hasSize(5);
            String best = j.get("top").get(0).get("label").asText();
            assertThat(best).isIn("Speech", "Dog", "Siren", "Rain", "Music");
            double score = j.get("top").get(0).get("score").asDouble();
            // classify prints the classes best first too, with the same score
            assertThat(first).contains(String.format(java.util.Locale.ROOT, "(1.00 s):  %s %.3f  ", best, score));
        }

        // export as torch.save, import that file: the same scores
        Path pth = dir.resolve("serve.pth");
        assertThat(ok("export", run.toString(), "--format", "pth", "--out", pth.toString()).out())
                .isEqualTo("wrote " + pth + ": 35 tensors (float32, tempora's state_dict keys)\n");
        Path again = dir.resolve("serve-again");
        assertThat(ok("import", pth.toString(), "--set", "backbone.heads=4", "--labels", ast("labels.csv").toString(), "--out", again.toString()).out())
                .contains("(yuangong layout, torch)");
        assertThat(ok("classify", "--model", again.toString(), dir.resolve("clip.wav").toString(), "--top-k", "5").out()).isEqualTo(first);
    }

    @Test
    void coarseToFineAndDiffResStartFromACheckpoint() throws IOException {
        Path c2f = dir.resolve("ft-c2f");
        CliBadInputTest.Run r = ok("train", "--preset", "demo", "--set", "backbone.dim=64", "--set", "backbone.depth=2", "--set", "backbone.heads=4",
                "--set", "data.synthetic.clips_per_class=5", "--epochs", "2", "--phases", "patch-pi 2->1 @1", "--init", ast("yuangong.pth").toString(),
                "--cache", dir.resolve("cache").toString(), "--out", c2f.toString());
        assertThat(r.out()).contains("initialised from 31 of 35 tensors from " + ast("yuangong.pth"))
                .contains("v.patch_embed.proj.weight PI-resized from 16x16 to 16x32").contains("test metrics:");
        assertThat(Files.readString(c2f.resolve("run.json"))).contains("\"init\"").contains("PI-resized");

        Path dr = dir.resolve("ft-diffres");
        r = ok("train", "--preset", "demo", "--set", "backbone.dim=64", "--set", "backbone.depth=2", "--set", "backbone.heads=4",
                "--set", "data.synthetic.clips_per_class=5", "--set", "resolution.kind=diffres", "--set", "resolution.reduction=0.5",
                "--set", "resolution.channels=[avg, max, pos]", "--epochs", "1", "--init", ast("yuangong.pth").toString(),
                "--cache", dir.resolve("cache").toString(), "--out", dr.toString());
        assertThat(r.out()).contains("v.patch_embed.proj.weight shared among the 2 log-mel channels of 3")
                .contains("tensors) is new").contains("test metrics:");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "import @R/hostile-os-system.pt --out @O/h | 3 | @R/hostile-os-system.pt: the pickle names the global posix.system, which is not allowed",
            "import @R/truncated.pt --out @O/t | 3 | @R/truncated.pt: not a readable torch.save archive",
            "import @R/state-dict.pt --out @O/s | 3 | @R/state-dict.pt: not an AST checkpoint in a layout tempora knows",
            "import @A/nope.pth --out @O/n | 3 | @A/nope.pth: no such file",
            "import @A/hf --layout bogus --out @O/b | 2 | unknown checkpoint layout 'bogus' (yuangong, hf, timm)",
            "import @D/deit.pth --out @O/e | 3 | @D/deit.pth: is an ImageNet DeiT checkpoint (timm layout): it has no classifier for audio classes, so there is no model to import; start a training from it with tempora train --init @D/deit.pth",
            "import @D/deit.pth --layout yuangong --out @O/e | 3 | @D/deit.pth: the tensors are in the timm layout, not yuangong (use --layout timm)",
            "import @A/hf --layout yuangong --out @O/y | 3 | @A/hf/model.safetensors: the tensors are in the hf layout, not yuangong (use --layout hf)",
            "import @A/hf --arch vit --out @O/a | 2 | --arch 'vit': tempora imports ast and aum checkpoints",
            "import @A/yuangong.pth --arch aum --out @O/m | 3 | @A/yuangong.pth: not an Audio Mamba checkpoint",
            "import @A/yuangong.pth --arch aum --layout hf --out @O/m | 2 | unknown checkpoint layout 'hf' for aum (aum)",
            "import @A/hf --labels @O/four.csv --out @O/l | 3 | @O/four.csv: has 4 labels, but the checkpoint's head has 5 classes",
            "import @A/yuangong.pth --set features.target_frames=300 --out @O/f | 2 | features.target_frames 300 gives 29 patch columns",
            "import @A/yuangong.pth --set backbone.depth=3 --out @O/d | 2 | --set backbone.depth: the checkpoint's tensors fix the backbone's shape",
            "import @A/hf | 2 | tempora import: Missing required option: '--out=RUN'",
            "train --preset demo --init @A/nope.pth --out @O/i | 3 | @A/nope.pth: no such file (train.init)",
            "train --preset ast-audioset-kws-fftp --out @O/p | 2 | ast-audioset-kws-fftp starts from pretrained weights: give --init CHECKPOINT",
            "train --preset ast-audioset-diffres --data synthetic --out @O/q | 2 | ast-audioset-diffres starts from pretrained weights: give --init CHECKPOINT",
            "export @O/nope --format safetensors --out @O/x.safetensors | 3 | @O/nope: no such run folder",
            "export @A --format onnx --out @O/x.onnx | 2 | --format 'onnx': tempora exports safetensors or pth",
    })
    void badInputsAreOneLineWithTheirCode(String command, int code, String message) {
        String[] args = command.strip().replace("@R", Fixtures.interop("readers").toString()).replace("@A", Fixtures.interop("ast").toString())
                .replace("@D", Fixtures.interop("deit").toString()).replace("@O", dir.toString()).split(" ");
        for (int i = 0; i < args.length; i++) args[i] = args[i].replace('~', ' ');
        CliBadInputTest.Run r = CliBadInputTest.run(args);
        String expected = message.strip().replace("@R", Fixtures.interop("readers").toString()).replace("@A", Fixtures.interop("ast").toString())
                .replace("@D", Fixtures.interop("deit").toString()).replace("@O", dir.toString());
        assertThat(r.err()).as(command).contains(expected);
        CliErrorLinesTest.assertOneLine(r.err(), command);
        assertThat(r.code()).as(command + ": " + r.err()).isEqualTo(code);
    }
}
