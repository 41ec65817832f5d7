package org.tempora.serve;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.tempora.api.AudioClassifier;

/**
 * The web page in a real browser (issue #14): Debian's headless chromium through chromedriver, both at their Debian
 * paths (.ci/run installs them; nothing is downloaded). A user picks a clip; the page shows the label the model
 * gives that clip through the library, and the model card.
 */
class WebPageBrowserTest {
    @TempDir
    Path dir;

    private static byte[] onePixelPng() throws java.io.IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        javax.imageio.ImageIO.write(new java.awt.image.BufferedImage(1, 1, java.awt.image.BufferedImage.TYPE_INT_RGB), "png", out);
        return out.toByteArray();
    }

    @Test
    void uploadingAClipShowsItsLabel() throws Exception {
        assertThat(Path.of("/usr/bin/chromium")).as("Debian's chromium (.ci/run installs it)").exists();
        assertThat(Path.of("/usr/bin/chromedriver")).as("Debian's chromium-driver (.ci/run installs it)").exists();
        Path run = ModelServerTest.trainTiny(dir, "run", "resolution.kind=diffres", "resolution.reduction=0.5");
        // the model card shows the run report's charts (a run trained by the CLI has them; this one gets a stand-in)
        Files.createDirectories(run.resolve("report"));
        Files.write(run.resolve("report").resolve("curves_metric.png"), onePixelPng());
        Path clip = dir.resolve("clip.wav");
        ModelServerTest.dir = dir;   // where wav() writes
        Files.write(clip, ModelServerTest.wav(1.5));
        String expected;
        try (AudioClassifier direct = AudioClassifier.load(run)) {
            expected = direct.classify(clip).top().get(0).name();
        }
        ChromeOptions o = new ChromeOptions();
        o.setBinary("/usr/bin/chromium");
        o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1100,1200", "--user-data-dir=" + dir.resolve("chrome-profile"));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(Path.of("/usr/bin/chromedriver").toFile())
                .usingAnyFreePort().build();
        try (ModelServer server = ModelServer.start(Map.of("tiny", run), "127.0.0.1", 0, ModelServer.Limits.defaults(), 2)) {
            WebDriver browser = new ChromeDriver(service, o);
            try {
                browser.get("http://127.0.0.1:" + server.port() + "/");
                WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(60));
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("card-body"), "GFLOPs per clip"));
                browser.findElement(By.id("file")).sendKeys(clip.toString());
                wait.until(ExpectedConditions.presenceOfElementLocated(By.id("top-label")));
                String shown = browser.findElement(By.cssSelector("#top-label .name")).getText();
                assertThat(shown).isEqualTo(expected);
                assertThat(browser.findElement(By.id("status")).getText()).isEqualTo("clip.wav: 1.50 s");
                assertThat(browser.findElement(By.id("timeline")).getText()).contains("Timeline");
                // the spectrogram with the DiffRes picture over it
                wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("spectrogram")));
                assertThat(browser.findElement(By.id("view-title")).getText()).isEqualTo("Where DiffRes spends resolution");
                assertThat(browser.findElement(By.id("explain-text")).getText()).isNotBlank();
                Object painted = ((org.openqa.selenium.JavascriptExecutor) browser).executeScript(
                        "const c = document.getElementById('spectrogram'), d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
                        + "const seen = new Set(); for (let i = 0; i < d.length; i += 4 * 97) seen.add(d[i] + ',' + d[i + 1] + ',' + d[i + 2]);"
                        + "return seen.size;");
                assertThat(((Number) painted).intValue()).as("distinct colours on the canvas").isGreaterThan(20);
                assertThat(browser.findElement(By.cssSelector("#charts img")).getAttribute("src")).endsWith("/v1/models/tiny/report/curves_metric.png");
                assertThat(((Number) ((org.openqa.selenium.JavascriptExecutor) browser).executeScript(
                        "return document.querySelector('#charts img').naturalWidth;")).intValue()).as("the chart image loaded").isEqualTo(1);
                byte[] png = ((org.openqa.selenium.TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES);
                assertThat(png.length).isGreaterThan(1000);
                String shot = System.getProperty("tempora.screenshot");
                if (shot != null) Files.write(Path.of(shot), png);   // to look at the page by hand
            } finally {
                browser.quit();
            }
        }
    }
}
