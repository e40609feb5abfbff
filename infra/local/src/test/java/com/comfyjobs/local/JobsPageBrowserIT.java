package com.comfyjobs.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The jobs page in a real headless browser (Debian's chromium through chromedriver) against the local
 * stack: a job submitted from the form generated from txt2img's params schema rises over the WebSocket
 * to 100% and shows its image, a second one is canceled from its button, params that do not fit are
 * shown at their fields, a template's text is shown as text, another user named on the page sees only
 * their own jobs, and /docs shows the API. The first test ends in
 * a screenshot, target/jobs-page.png, and also at {@code -Dscreenshot.out=PATH} (README's picture).
 * Skipped, saying why, where chromium or chromedriver is absent.
 */
class JobsPageBrowserIT {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Duration LIMIT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A template whose texts are markup, published as an admin would. */
    private static final String HOSTILE = "<img src=x onerror=\"window.pwned = 1\"><b>bold</b> & friends";
    private static LocalStack stack;
    private static Api api;
    private static WebDriver browser;

    @BeforeAll
    static void start() throws IOException {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            // nothing is started: each test reports itself skipped, saying why (openThePage)
            return;
        }
        // chromium starts while the stack does: the two are most of this class's time
        CompletableFuture<WebDriver> starting = CompletableFuture.supplyAsync(JobsPageBrowserIT::chromium);
        try {
            LocalStack.Options o = TestStacks.options("jobs-page-it");
            o.simulatorStepMillis = 20;
            stack = LocalStack.start(o);
            api = new Api(stack.apiUrl());
            ObjectNode hostile = (ObjectNode) JSON.readTree(LocalTemplates.shipped().get("txt2img"));
            hostile.put("description", HOSTILE);
            ((ObjectNode) hostile.get("params").get("prompt")).put("description", HOSTILE);
            Api.Response published = api.publish("admin", "hostile", hostile.toString());
            assertEquals(201, published.status(), published.body().toString());
        } finally {
            // held even when the stack failed, so that stop() quits it
            browser = starting.join();
        }
    }

    private static WebDriver chromium() {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        // root in a container has no user namespace for chromium's sandbox
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,960", "--hide-scrollbars");
        return new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build(),
                options);
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (stack != null) {
            stack.close();
        }
    }

    @BeforeEach
    void openThePage() {
        assumeTrue(browser != null, "skipped: the jobs page's browser test needs Debian's chromium and chromium-driver (" + CHROMIUM + ", "
                + CHROMEDRIVER + "): apt-get install chromium chromium-driver (.ci/run does so where apt-get is)");
        browser.get(stack.apiUrl() + "/");
        // each test starts as the default caller, whoever a test before it named in the page's storage
        script("localStorage.clear();");
        browser.navigate().refresh();
        until(d -> "live".equals(find("#connection").getAttribute("data-state")) && find("#template").getAttribute("data-loaded") != null);
    }

    @Test
    void aJobSubmittedFromTheFormRisesLiveToItsImageAndAnotherIsCanceledFromItsButton() throws IOException {
        chooseTemplate("txt2img");
        type("#param-prompt", "a lighthouse at dawn");
        type("#param-steps", "50");
        type("#param-seed", "42");
        // every percentage the page shows, as it shows it: the bar must be seen between 0 and 100, not only at its end
        script("window.seen = []; new MutationObserver(() => document.querySelectorAll('li.job .pct').forEach(p =>"
                + " window.seen.push(p.closest('li').dataset.jobId + ' ' + p.textContent)))"
                + ".observe(document.getElementById('jobs'), {childList: true, subtree: true, characterData: true});");
        find("#submit-button").click();
        String job = submitted(null);

        String card = "li.job[data-job-id='" + job + "']";
        until(d -> "succeeded".equals(find(card).getAttribute("data-status")));
        until(d -> Boolean.TRUE.equals(script("const i = document.querySelectorAll(arguments[0] + ' img.thumb');"
                + " return i.length > 0 && Array.from(i).every(x => x.complete && x.naturalWidth > 0);", card)));

        assertEquals("100%", find(card + " .pct").getText());
        @SuppressWarnings("unchecked")
        List<String> seen = (List<String>) script("return window.seen;");
        assertTrue(seen.stream().filter(s -> s.startsWith(job + " ")).map(s -> Integer.parseInt(s.substring(job.length() + 1, s.length() - 1)))
                .anyMatch(p -> p > 0 && p < 100), "the bar moved before the end: " + seen);
        JsonNode stored = api.get("dev", job).body();
        assertEquals("txt2img", stored.path("template").asText());
        assertEquals(42, stored.path("seed").asLong(), "the form's params reached the job: " + stored);
        assertEquals(stored.path("artifacts").get(0).path("filename").asText(), find(card + " img.thumb").getAttribute("alt"));

        stack.simulator().faults().holdQueue(true);
        try {
            type("#param-prompt", "a ship that never sails");
            find("#submit-button").click();
            String held = submitted(job);
            String heldCard = "li.job[data-job-id='" + held + "']";
            until(d -> !d.findElements(By.cssSelector(heldCard + " button.cancel")).isEmpty());
            find(heldCard + " button.cancel").click();
            until(d -> "canceled".equals(find(heldCard).getAttribute("data-status")));
            assertEquals("canceled", api.get("dev", held).body().path("status").asText());
            assertTrue(browser.findElements(By.cssSelector(heldCard + " button.cancel")).isEmpty(), "an ended job has no cancel button");
        } finally {
            stack.simulator().faults().holdQueue(false);
        }
        screenshot();
    }

    @Test
    void paramsThatDoNotFitAreShownAtTheirFieldsAndStoreNothing() {
        int before = api.list("dev", "limit=100").body().path("jobs").size();
        chooseTemplate("txt2img");
        type("#param-prompt", "");
        type("#param-steps", "1000");
        type("#param-width", "10");

        find("#submit-button").click();

        until(d -> !find("[data-pointer='/params/steps']").getText().isEmpty());
        assertTrue(find("[data-pointer='/params/prompt']").getText().contains("required"), find("#params").getText());
        assertTrue(find("[data-pointer='/params/steps']").getText().contains("maximum"), find("#params").getText());
        assertTrue(find("[data-pointer='/params/width']").getText().contains("minimum"), find("#params").getText());
        assertNull(find("#submit-status").getAttribute("data-job-id"));
        assertEquals(before, api.list("dev", "limit=100").body().path("jobs").size());
    }

    @Test
    void aTemplatesTextIsShownAsTextNeverAsMarkup() {
        chooseTemplate("hostile");

        assertEquals(HOSTILE, find("#template-description").getText());
        assertTrue(find("#params").getText().contains(HOSTILE), find("#params").getText());
        assertTrue(browser.findElements(By.cssSelector("#submit img, #submit b")).isEmpty(), "no element made of a template's text");
        assertNull(script("return window.pwned;"));
    }

    @Test
    void anotherUserNamedOnThePageSeesOnlyTheirJobsAndIsRemembered() {
        Api.Response theirs = api.submit("erin", Api.templateBody("txt2img", Api.params().put("prompt", "erin's own").put("steps", 1)), null);
        assertEquals(202, theirs.status(), theirs.body().toString());
        String job = theirs.body().path("jobId").asText();

        type("#identity", "erin\t");
        until(d -> !d.findElements(By.cssSelector("li.job[data-job-id='" + job + "']")).isEmpty());
        browser.navigate().refresh();
        until(d -> "live".equals(find("#connection").getAttribute("data-state"))
                && !d.findElements(By.cssSelector("li.job[data-job-id='" + job + "']")).isEmpty());

        assertEquals("erin", find("#identity").getAttribute("value"));
        List<String> shown = browser.findElements(By.cssSelector("li.job")).stream().map(e -> e.getAttribute("data-job-id")).toList();
        List<String> erins = api.list("erin", "limit=100").body().path("jobs").findValuesAsText("jobId");
        assertEquals(erins.size(), shown.size(), "erin's jobs, no one else's: " + shown);
        assertTrue(erins.containsAll(shown), shown.toString());
    }

    @Test
    void theDocsShowTheApiFromItsOwnDocument() {
        browser.get(stack.apiUrl() + "/docs");

        until(d -> !d.findElements(By.cssSelector(".swagger-ui .info .title")).isEmpty());
        assertTrue(find(".swagger-ui .info .title").getText().startsWith("ComfyJobs API"), find(".swagger-ui .info .title").getText());
        until(d -> !d.findElements(By.cssSelector(".opblock-summary-path[data-path='/jobs/{jobId}']")).isEmpty());
    }

    private static void chooseTemplate(String name) {
        until(d -> !d.findElements(By.cssSelector("#template option[value='" + name + "']")).isEmpty());
        new Select(find("#template")).selectByValue(name);
        until(d -> !d.findElements(By.cssSelector("#param-prompt")).isEmpty());
    }

    /** The id of the job the form's last submit created, once it is not {@code previous}. */
    private static String submitted(String previous) {
        until(d -> {
            String id = find("#submit-status").getAttribute("data-job-id");
            return id != null && !id.equals(previous);
        });
        String id = find("#submit-status").getAttribute("data-job-id");
        assertNotEquals(previous, id);
        return id;
    }

    private static void type(String selector, String text) {
        WebElement e = find(selector);
        e.clear();
        e.sendKeys(text);
    }

    private static WebElement find(String selector) {
        return browser.findElement(By.cssSelector(selector));
    }

    private static Object script(String js, Object... args) {
        return ((JavascriptExecutor) browser).executeScript(js, args);
    }

    /** Waits for the page; an element replaced while it was being read (a card redrawn by a push) is read again. */
    private static void until(Function<WebDriver, Boolean> condition) {
        new WebDriverWait(browser, LIMIT).ignoring(StaleElementReferenceException.class).until(condition);
    }

    private static void screenshot() throws IOException {
        script("window.scrollTo(0, 0); document.activeElement.blur();");
        byte[] png = ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES);
        Files.createDirectories(Path.of("target"));
        Files.write(Path.of("target", "jobs-page.png"), png);
        String out = System.getProperty("screenshot.out");
        if (out != null && !out.isBlank()) {
            Files.write(Path.of(out), png);
        }
    }
}
