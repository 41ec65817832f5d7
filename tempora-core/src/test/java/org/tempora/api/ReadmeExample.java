package org.tempora.api;

// The README's embedding example, verbatim from the next line to the end (ReadmeExampleTest keeps the two equal).
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.tempora.api.AudioClassifier;
import org.tempora.audio.PcmStream;

public class ReadmeExample {
    public static void main(String[] args) throws IOException {
        // load once (a run folder or a model bundle); share it between threads
        try (AudioClassifier model = AudioClassifier.load(Path.of(args[0]))) {
            AudioClassifier.Prediction p = model.classify(Path.of(args[1]));   // WAV or FLAC, any length
            for (AudioClassifier.Label l : p.top()) System.out.printf("%-12s %.3f%n", l.name(), l.score());
            for (AudioClassifier.Segment s : p.timeline()) {                    // windows of a long file
                System.out.printf("%6.2f-%6.2f s  %s%n", s.startSeconds(), s.endSeconds(), s.top().get(0).name());
            }
            try (InputStream mic = Files.newInputStream(Path.of(args[1]))) {      // a live stream: 16-bit PCM,
                PcmStream pcm = PcmStream.open(mic, 16000, "mic");               // raw or WAV, one line per hop
                model.stream(pcm.pcm(), pcm.rate(), s -> System.out.printf("stream %.2f s %s%n", s.startSeconds(), s.top().get(0).name()));
            }
            float[] samples = new float[8000];                                  // mono, any sample rate:
            System.out.println(model.classify(samples, 8000).top().get(0).name()); // resampled to the model's
        }
    }
}
