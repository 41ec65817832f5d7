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

    @Test
    void uploadingAClipShowsItsLabel() throws Exception {
        assertThat(Path.of("/usr/bin/chromium")).as("Debian's chromium (.ci/run installs it)").exists();
        assertThat(Path.of("/usr/bin/chromedriver")).as("Debian's chromium-driver (.ci/run installs it)").exists();
        Path run = ModelServerTest.trainTiny(dir);
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
